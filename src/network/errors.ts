/**
 * @module network/errors
 * NetworkError: a data-plane fault (malformed or oversize frame, closed or failed connection, failed
 * handshake, routing overflow).
 */
import { BicycleError } from "../core/index.ts";

/** Why the data plane failed; `code` on the error. */
export type NetworkErrorCode =
  | "FRAME_MALFORMED"
  | "FRAME_TOO_LARGE"
  | "BATCH_MALFORMED"
  | "BATCH_UNSERIALIZABLE"
  | "CONNECTION_CLOSED"
  | "CONNECTION_FAILED"
  /** Connecting to a peer worker failed (refused, unreachable, timed out). */
  | "CONNECT_FAILED"
  /** A peer connection did not start with a valid HELLO frame. */
  | "HANDSHAKE_FAILED"
  /** A FrameRouter held more frames (no route or no link yet) than its maxPendingBytes. */
  | "ROUTING_OVERFLOW";

/**
 * A data-plane fault. Domain "external": the peer or the network is at fault, so the restart strategy
 * may retry; an unserializable batch (a value the wire format cannot carry) is not retriable.
 */
export class NetworkError extends BicycleError {
  declare readonly code: NetworkErrorCode;

  constructor(message: string, code: NetworkErrorCode, cause?: unknown) {
    super(message, { code, domain: "external", retriable: code !== "BATCH_UNSERIALIZABLE", cause });
  }
}
