/**
 * @module connectors/common/connector-error
 * ConnectorError: a source or sink failed talking to its external system (file system, broker). The
 * area error STYLE.md §4 names; it lives here until core/errors.ts grows one.
 */
import { BicycleError } from "../../core/index.ts";

/** An external system a connector talks to failed, or left state the connector cannot use. */
export class ConnectorError extends BicycleError {
  constructor(message: string, options: { code?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "CONNECTOR_FAILED", domain: "external", retriable: options.retriable ?? true, cause: options.cause });
  }
}
