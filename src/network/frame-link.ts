/**
 * @module network/frame-link
 * FrameLink: one byte stream (a TCP socket to a peer worker, or a PortSocket between a slot thread and
 * the worker's main thread) carrying whole data-plane frames. It owns everything about the stream; what
 * the frames mean is its owner's business: the worker's FrameRouter forwards them undecoded, a
 * ChannelConnection (channel-connection.ts) decodes them into channel elements and credits.
 *
 * - Receive: FrameDecoder splits the stream; each frame's header is checked (known kind, exact size of
 *   fixed-size payloads: checkFrameHeader) and handed to `onFrame` with a view of its whole bytes; with
 *   `frameBytes: false` (an owner that decodes every frame, which checks more) neither is done.
 * - Send: frames go into one WriteBuffer, either copied whole (`send`) or encoded straight into it
 *   (`sendWith`, no copy), and are coalesced, many per socket write: flushed in a microtask, or at once
 *   past FLUSH_BYTES. Each flush first calls `beforeFlush`, so an owner can add frames it sums over a
 *   tick (credits) to the same write; `requestFlush` asks for a flush without queuing a frame. When the
 *   socket takes only part (Bun's write returns the bytes it took and drops the rest), the rest waits
 *   for `drain`, and no flush happens until then.
 * - Failure: any bad input (length below the header, above maxFrameBytes, unknown kind, wrong fixed
 *   size), or a throwing onFrame (e.g. a payload that does not decode), fails the link: the reason is
 *   logged, queued output is dropped, the socket is ended and onClose(error) is called exactly once.
 *   Nothing is thrown out of the socket handlers.
 * - Close: close() flushes then ends the socket and reports onClose(null) when the socket closes; a
 *   close we did not ask for reports CONNECTION_CLOSED (peer ended) or CONNECTION_FAILED (socket error).
 *   Once closing, failed or closed, frames given to send/sendWith are dropped.
 */
import { log } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, type Frame, FrameDecoder, checkFrameHeader, wholeFrameBytes } from "./frame-codec.ts";
import type { SocketEvents, SocketLike } from "./socket.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** Queued bytes past which a send flushes at once instead of in the next microtask. */
const FLUSH_BYTES = 256 * 1024;

/** What onFrame gets as `bytes` with `frameBytes: false`. */
const NO_BYTES = new Uint8Array(0);

export interface FrameLinkOptions {
  /** Names the link in logs and errors, e.g. "slot:0" or "worker:w-2". */
  readonly name: string;
  readonly maxFrameBytes?: number;
  /**
   * Cap on the bytes buffered before the first frame completes (default maxFrameBytes). A server that
   * expects a small HELLO first sets it low, so an unidentified peer cannot make it buffer a huge frame.
   */
  readonly maxFirstFrameBytes?: number;
  /**
   * Whether onFrame gets the whole frame's bytes, checked with checkFrameHeader (default true, for
   * routers that forward frames undecoded). An owner that decodes every frame itself (decodeFrame checks
   * all the header check does, and more) sets false and saves both per frame: `bytes` is then empty.
   */
  readonly frameBytes?: boolean;
  /** A frame arrived. `bytes` is the whole frame, header included: a view valid only during the call. */
  onFrame(frame: Frame, bytes: Uint8Array): void;
  /** The link is gone: null after close(), else why. Called once. */
  onClose(error: NetworkError | null): void;
  /**
   * Called at the start of each flush (not while a partial write waits for drain), before the queue goes
   * to the socket: append the whole frames held back to be coalesced, e.g. credits summed over a tick, so
   * they go out in the same write. Returns how many frames it appended. A throw fails the link.
   */
  beforeFlush?(out: WriteBuffer): number;
}

/** Traffic counters of one link. */
export interface FrameLinkStats {
  bytesSent: number;
  bytesReceived: number;
  framesReceived: number;
  framesSent: number;
  writes: number;
}

export class FrameLink implements SocketEvents {
  /** Names the link in logs and errors; an owner may rename it once it knows the peer. */
  name: string;
  readonly stats: FrameLinkStats = { bytesSent: 0, bytesReceived: 0, framesReceived: 0, framesSent: 0, writes: 0 };
  private readonly decoder: FrameDecoder;
  private readonly maxFirstFrameBytes: number;
  private readonly frameBytes: boolean;
  private readonly out = new WriteBuffer();
  private flushScheduled = false;
  private awaitingDrain = false;
  private closing = false;
  private failure: NetworkError | null = null;
  private reported = false;
  private socketEnded = false;

  constructor(
    private readonly socket: SocketLike,
    private readonly options: FrameLinkOptions,
  ) {
    this.name = options.name;
    this.decoder = new FrameDecoder(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.maxFirstFrameBytes = options.maxFirstFrameBytes ?? this.decoder.maxFrameBytes;
    this.frameBytes = options.frameBytes ?? true;
  }

  /** Bytes queued and not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.out.length;
  }

  /** Why the link failed (bad input, a throwing handler, fail()), or null while healthy and after a close without failure. */
  get error(): NetworkError | null {
    return this.failure;
  }

  /** True once the link is closing, failed or closed: send() and sendWith() then drop frames. */
  get isClosed(): boolean {
    return this.closing || this.reported || this.failure !== null;
  }

  /**
   * Queue one whole frame (header included; copied). Dropped silently once the link is closed or failed:
   * its loss is reported through onClose, and the router fails the channels routed over it.
   */
  send(frameBytes: Uint8Array): void {
    const n = frameBytes.length;
    if (n < FRAME_HEADER_BYTES || (frameBytes[0]! | (frameBytes[1]! << 8) | (frameBytes[2]! << 16) | (frameBytes[3]! << 24)) >>> 0 !== n) {
      throw new RangeError(`${this.name}: send() takes exactly one whole frame; got ${n} bytes with a different length prefix`);
    }
    if (this.isClosed) return;
    this.out.raw(frameBytes);
    this.queued();
  }

  /**
   * Encode one whole frame straight into the send queue, without a copy: `encode(out, a, b)` appends it,
   * e.g. `sendWith(writeCreditFrame, channelId, count)`. Pass what the encoder needs as `a` and `b` (and
   * keep `encode` a long-lived function) so the hot path allocates nothing. If it throws, nothing is
   * queued and the error propagates; if it appends anything but one whole frame, that is dropped and a
   * RangeError thrown. Returns the bytes queued; once the link is closed or failed, 0 (encode is not called).
   */
  sendWith<A, B>(encode: (out: WriteBuffer, a: A, b: B) => void, a: A, b: B): number {
    if (this.isClosed) return 0;
    const out = this.out;
    const mark = out.mark();
    try {
      encode(out, a, b);
    } catch (error) {
      out.truncate(mark);
      throw error;
    }
    const n = out.mark() - mark;
    if (n < FRAME_HEADER_BYTES || out.view.getUint32(out.offsetOf(mark), true) !== n) {
      out.truncate(mark);
      throw new RangeError(`${this.name}: a sendWith() encoder must append exactly one whole frame; it appended ${n} bytes`);
    }
    this.queued();
    return n;
  }

  /** Flush in this tick's microtask even if no frame was queued (beforeFlush has something to add). */
  requestFlush(): void {
    if (!this.isClosed) this.scheduleFlush();
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
        if (this.frameBytes) checkFrameHeader(frame); // an owner that decodes (frameBytes: false) validates fully itself
        this.stats.framesReceived++;
        this.options.onFrame(frame, this.frameBytes ? wholeFrameBytes(frame) : NO_BYTES);
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

  /** A frame was appended to `out`. */
  private queued(): void {
    this.stats.framesSent++;
    if (this.out.length >= FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.failure !== null || this.reported || this.awaitingDrain) return;
    if (this.options.beforeFlush !== undefined) {
      try {
        this.stats.framesSent += this.options.beforeFlush(this.out);
      } catch (error) {
        this.fail(new NetworkError(`${this.name}: beforeFlush failed: ${String(error)}`, "CONNECTION_FAILED", error));
        return;
      }
    }
    if (this.out.length === 0) return;
    const written = this.socket.write(this.out.readable());
    this.stats.writes++;
    if (written < 0) return; // closed: handleClose follows
    this.stats.bytesSent += written;
    this.out.consume(written);
    if (this.out.length > 0) this.awaitingDrain = true;
    else if (this.closing) this.endSocket();
  }

  private endSocket(): void {
    if (this.socketEnded) return;
    this.socketEnded = true;
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
