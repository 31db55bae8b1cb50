/**
 * @module network/rpc/errors
 * How BicycleErrors cross the control plane: the status each maps to (by code, then domain), and the
 * error a caller sees for a status. Both transports use these, so callers see the same errors.
 */
import { BicycleError, type ErrorDomain } from "../../core/index.ts";
import { NetworkError } from "../errors.ts";

/** The gRPC statuses the control plane uses, by name. */
export type RpcStatus = "INVALID_ARGUMENT" | "NOT_FOUND" | "FAILED_PRECONDITION" | "UNAVAILABLE" | "DEADLINE_EXCEEDED" | "INTERNAL";

/** A gateway implementation throws this for an unknown job, worker, task or checkpoint id. */
export class NotFoundError extends BicycleError {
  constructor(message: string) {
    super(message, { code: "NOT_FOUND", domain: "user" });
  }
}

/** A request that fails validation; the message names the method and each bad field. */
export class InvalidArgumentError extends BicycleError {
  constructor(message: string) {
    super(message, { code: "INVALID_ARGUMENT", domain: "user" });
  }
}

/** An error raised by the remote side of a call, rebuilt on the caller's side with its code and domain. */
export class RpcError extends BicycleError {
  readonly status: RpcStatus;
  constructor(message: string, status: RpcStatus, options: { code: string; domain: ErrorDomain; retriable: boolean }) {
    super(message, options);
    this.status = status;
  }
}

/** Trailing-metadata keys that carry a BicycleError's code, domain and retry hint next to the gRPC status. */
export const ERROR_METADATA = { code: "bicycle-error-code", domain: "bicycle-error-domain", retriable: "bicycle-error-retriable" } as const;

/** What travels for a failed call: the status plus the original error's code, domain and retry hint. */
export interface WireError {
  readonly status: RpcStatus;
  readonly message: string;
  readonly code: string;
  readonly domain: ErrorDomain;
  readonly retriable: boolean;
}

/**
 * The status for an error thrown by a gateway implementation:
 *   code NOT_FOUND -> NOT_FOUND, code INVALID_ARGUMENT -> INVALID_ARGUMENT,
 *   other user -> FAILED_PRECONDITION, external -> UNAVAILABLE, internal or not a BicycleError -> INTERNAL.
 */
export function toWireError(error: unknown, method: string): WireError {
  if (error instanceof BicycleError) {
    const status: RpcStatus =
      error.code === "NOT_FOUND" || error.code === "INVALID_ARGUMENT"
        ? error.code
        : error.domain === "user"
          ? "FAILED_PRECONDITION"
          : error.domain === "external"
            ? "UNAVAILABLE"
            : "INTERNAL";
    return { status, message: error.message, code: error.code, domain: error.domain, retriable: error.retriable };
  }
  const what = error instanceof Error ? error.message : String(error);
  return { status: "INTERNAL", message: `${method} failed unexpectedly: ${what}`, code: "INTERNAL", domain: "internal", retriable: false };
}

/** The error a caller sees for a failed call (an RpcError for errors raised by the remote implementation). */
export function fromWireError(wire: WireError): BicycleError {
  if (wire.code === "NOT_FOUND") return new NotFoundError(wire.message);
  if (wire.code === "INVALID_ARGUMENT") return new InvalidArgumentError(wire.message);
  return new RpcError(wire.message, wire.status, { code: wire.code, domain: wire.domain, retriable: wire.retriable });
}

/** The transport failed (peer unreachable, deadline passed): a NetworkError naming the address and method. */
export function transportError(address: string, method: string, detail: string, cause?: unknown): NetworkError {
  return new NetworkError(`control-plane call ${method} to ${address} failed: ${detail}`, "CONNECTION_FAILED", cause);
}

/**
 * A short reason for a failed channel, from grpc-js's long details ("No connection established. Last
 * error: Error: connect ECONNREFUSED 127.0.0.1:9000. Resolution note: "): "connection refused", the
 * errno, "no answer before the deadline", or the details without grpc-js's trailing note.
 */
export function transportReason(status: string, details: string): string {
  const errno = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/.exec(details)?.[1];
  if (errno === "ECONNREFUSED") return "connection refused";
  if (errno !== undefined) return errno;
  if (status === "DEADLINE_EXCEEDED") return "no answer before the deadline";
  return details.replace(/\s*Resolution note:\s*$/, "") || "no connection";
}
