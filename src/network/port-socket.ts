/**
 * @module network/port-socket
 * A SocketLike over a MessagePort (or Worker), so a ChannelConnection or FrameLink can talk the data-plane
 * frame protocol between a slot thread and the worker's main thread. Each write posts
 * `{ type: "frames", bytes }` with a fresh, transferred ArrayBuffer; `end()` posts `{ type: "frames-end" }`.
 * The receiving side feeds `new Uint8Array(message.bytes)` to handleData and calls handleClose on
 * "frames-end". A write always takes every byte: the senders above are bounded by credits.
 */
import type { SocketLike } from "./socket.ts";

/** The part of a MessagePort, Worker or worker `self` a PortSocket needs. */
export interface FramePort {
  postMessage(message: unknown, transfer: Bun.Transferable[]): void;
}

/** Frame bytes crossing a port. */
export interface FramesMessage {
  readonly type: "frames";
  readonly bytes: ArrayBuffer;
}

/** The sending side ended its stream. */
export interface FramesEndMessage {
  readonly type: "frames-end";
}

export class PortSocket implements SocketLike {
  private ended = false;

  constructor(private readonly port: FramePort) {}

  write(bytes: Uint8Array): number {
    if (this.ended) return -1;
    if (bytes.length === 0) return 0;
    const buffer = bytes.slice().buffer; // a copy: the caller reuses its buffer, and transfer detaches ours
    const message: FramesMessage = { type: "frames", bytes: buffer };
    this.port.postMessage(message, [buffer]);
    return bytes.length;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const message: FramesEndMessage = { type: "frames-end" };
    this.port.postMessage(message, []);
  }
}

export function isFramesMessage(message: unknown): message is FramesMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    (message as { type?: unknown }).type === "frames" &&
    (message as { bytes?: unknown }).bytes instanceof ArrayBuffer
  );
}

export function isFramesEndMessage(message: unknown): message is FramesEndMessage {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === "frames-end";
}
