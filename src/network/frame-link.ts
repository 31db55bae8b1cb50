/**
 * @module network/frame-link
 * FrameLink: one byte stream (a TCP socket to a peer worker, or a PortSocket to a slot thread) that
 * carries whole data-plane frames without decoding their payloads, for the worker's FrameRouter.
 *
 * - Receive: FrameDecoder splits the stream; each frame's header is checked (known kind, exact size of
 *   fixed-size payloads: checkFrameHeader) and handed to `onFrame` with a view of its whole bytes.
 * - Send: whole frames are appended to a WriteBuffer and coalesced, many per socket write: flushed in a
 *   microtask, or at once past FLUSH_BYTES; when the socket takes only part (Bun's write returns the
 *   bytes it took and drops the rest), the rest waits for `drain`. Same discipline as TcpConnection.
 * - Failure: any bad input (length below the header, above maxFrameBytes, unknown kind, wrong fixed
 *   size), or a throwing onFrame, fails the link: the reason is logged, queued output is dropped, the
 *   socket is ended and onClose(error) is called exactly once. Nothing is thrown out of the handlers.
 * - Close: close() flushes then ends the socket and reports onClose(null); a close we did not ask for
 *   reports CONNECTION_CLOSED (peer ended) or CONNECTION_FAILED (socket error).
 */
import { log } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, type Frame, FrameDecoder, checkFrameHeader, wholeFrameBytes } from "./frame-codec.ts";
import type { SocketLike } from "./tcp-connection.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** Queued bytes past which send() flushes at once instead of in the next microtask. */
const FLUSH_BYTES = 256 * 1024;

export interface FrameLinkOptions {
  /** Names the link in logs and errors, e.g. "slot:0" or "worker:w-2". */
  readonly name: string;
  readonly maxFrameBytes?: number;
  /**
   * Cap on the bytes buffered before the first frame completes (default maxFrameBytes). A server that
   * expects a small HELLO first sets it low, so an unidentified peer cannot make it buffer a huge frame.
   */
  readonly maxFirstFrameBytes?: number;
  /** A frame arrived. `bytes` is the whole frame, header included: a view valid only during the call. */
  onFrame(frame: Frame, bytes: Uint8Array): void;
  /** The link is gone: null after close(), else why. Called once. */
  onClose(error: NetworkError | null): void;
}

/** Traffic counters of one link. */
export interface FrameLinkStats {
  bytesSent: number;
  bytesReceived: number;
  framesReceived: number;
  framesSent: number;
  writes: number;
}

export class FrameLink {
  /** Names the link in logs and errors; an owner may rename it once it knows the peer. */
  name: string;
  readonly stats: FrameLinkStats = { bytesSent: 0, bytesReceived: 0, framesReceived: 0, framesSent: 0, writes: 0 };
  private readonly decoder: FrameDecoder;
  private readonly maxFirstFrameBytes: number;
  private readonly out = new WriteBuffer();
  private flushScheduled = false;
  private awaitingDrain = false;
  private closing = false;
  private failure: NetworkError | null = null;
  private reported = false;

  constructor(
    private readonly socket: SocketLike,
    private readonly options: FrameLinkOptions,
  ) {
    this.name = options.name;
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.maxFirstFrameBytes = options.maxFirstFrameBytes ?? this.decoder.maxFrameBytes;
  }

  /** Bytes queued and not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.out.length;
  }

  /** The failure, or null while healthy / after an orderly close. */
  get error(): NetworkError | null {
    return this.failure;
  }

  /** True once the link is closing, failed or closed: send() then drops frames. */
  get isClosed(): boolean {
    return this.closing || this.reported || this.failure !== null;
  }

  /**
   * Queue one whole frame (header included; copied). Dropped silently once the link is closed or failed:
   * its loss is reported through onClose, and the router fails the channels routed over it.
   */
  send(frameBytes: Uint8Array): void {
    if (frameBytes.length < FRAME_HEADER_BYTES || new DataView(frameBytes.buffer, frameBytes.byteOffset, 4).getUint32(0, true) !== frameBytes.length) {
      throw new RangeError(`${this.name}: send() takes exactly one whole frame; got ${frameBytes.length} bytes with a different length prefix`);
    }
    if (this.isClosed) return;
    this.out.raw(frameBytes);
    this.stats.framesSent++;
    if (this.out.length >= FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  /** Orderly close: flush what is queued, then end the socket. */
  close(): void {
    if (this.isClosed) return;
    this.closing = true;
    this.flush();
    if (this.out.length === 0) this.endSocket();
  }

  /** Fail the link: log the reason, drop queued output, end the socket, report onClose(error). */
  fail(error: NetworkError): void {
    if (this.failure !== null || this.reported) return;
    this.failure = error;
    log.warn(`${error.message.startsWith(this.name) ? "" : `${this.name}: `}${error.message}; closing the link`);
    this.out.consume(this.out.length);
    this.endSocket();
    this.report(error);
  }

  // ---- socket events (called by the socket's owner) ----

  /** Bytes arrived. Never throws. */
  handleData(chunk: Uint8Array): void {
    if (this.failure !== null || this.reported) return;
    this.stats.bytesReceived += chunk.length;
    try {
      const frames = this.decoder.push(chunk);
      if (frames.length === 0 && this.stats.framesReceived === 0 && this.decoder.bufferedBytes > this.maxFirstFrameBytes) {
        throw new NetworkError(`first frame exceeds the ${this.maxFirstFrameBytes}-byte limit for a first frame`, "FRAME_TOO_LARGE");
      }
      for (const frame of frames) {
        if (this.failure !== null || this.reported) return; // onFrame may have failed or closed us
        checkFrameHeader(frame);
        this.stats.framesReceived++;
        this.options.onFrame(frame, wholeFrameBytes(frame));
      }
    } catch (error) {
      this.fail(
        error instanceof NetworkError
          ? new NetworkError(`${this.name}: ${error.message}`, error.code, error)
          : new NetworkError(`${this.name}: frame handler failed: ${String(error)}`, "CONNECTION_FAILED", error),
      );
    }
  }

  /** The socket can take more bytes. */
  handleDrain(): void {
    this.awaitingDrain = false;
    this.flush();
  }

  /** The socket closed (with `error` if it broke). Never throws. */
  handleClose(error?: Error): void {
    if (this.reported) return;
    const cause =
      this.failure ?? // a failing link's socket.end() may close synchronously: report the failure, not the close
      (error !== undefined
        ? new NetworkError(`${this.name}: link failed: ${error.message}`, "CONNECTION_FAILED", error)
        : this.closing
          ? null
          : new NetworkError(`${this.name}: link closed by peer`, "CONNECTION_CLOSED"));
    this.report(cause);
  }

  // ---- internals ----

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.failure !== null || this.reported || this.awaitingDrain || this.out.length === 0) return;
    const written = this.socket.write(this.out.readable());
    this.stats.writes++;
    if (written < 0) return; // closed: handleClose follows
    this.stats.bytesSent += written;
    this.out.consume(written);
    if (this.out.length > 0) this.awaitingDrain = true;
    else if (this.closing) this.endSocket();
  }

  private endSocket(): void {
    try {
      this.socket.end();
    } catch {
      // already closed: nothing left to release
    }
  }

  private report(error: NetworkError | null): void {
    if (this.reported) return;
    this.reported = true;
    this.out.consume(this.out.length);
    try {
      this.options.onClose(error);
    } catch (thrown) {
      log.error(`${this.name}: onClose handler threw: ${String(thrown)}`);
    }
  }
}
