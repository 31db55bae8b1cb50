/**
 * @module state/errors
 * StateError: a state access or snapshot/restore failure.
 */
import { BicycleError } from "../core/index.ts";

export class StateError extends BicycleError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "STATE_ERROR", domain: "internal", cause });
  }
}
