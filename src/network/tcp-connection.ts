/**
 * @module network/tcp-connection
 * One TCP connection between two workers, multiplexing many channels in both directions, with
 * credit-based flow control that behaves like LocalChannel.
 *
 * Design (credit protocol)
 *
 *   worker A                                         worker B
 *   RemoteOutputChannel #7 --DATA/WM/BARRIER/END #7--> RemoteInputChannel #7
 *                          <------- CREDIT #7 (n) ----  (capacity at open, +1 per polled batch)
 *   RemoteInputChannel #7  <--------- ... #7 ---------  RemoteOutputChannel #7   (ids are per direction)
 *
 * Invariants:
 * - Channel ids are scoped per direction: element frames with id X go to the receiver's input channel X,
 *   CREDIT frames with id X go to the receiver's output channel X.
 * - The consumer grants `capacity` credits once, when it opens the input channel, and one credit per
 *   data batch it polls; credits granted in the same tick are summed into one CREDIT frame per channel.
 *   Granted − polled ≤ capacity, so at most `capacity` batches per channel are queued at the consumer
 *   and (since a producer that respects hasCredit() sends only with credit) in flight on the wire.
 * - Only DATA spends credit. Watermarks, idleness, barriers and end need none and share the channel's
 *   FIFO byte stream with data, so per-channel order is the push order. Elements that arrive before the
 *   consumer opens the channel are queued (only control events can, since no credit was granted yet);
 *   credits that arrive before the producer asks for its channel are kept the same way.
 * - The send queue (WriteBuffer) holds frames Bun's socket.write did not take; it is drained on
 *   `drain`, and many frames go out per write (flushed in a microtask, or at once past FLUSH_BYTES).
 *   Its size is bounded by Σ credits × batch size + control frames.
 * - Any decode failure (malformed frame, oversize length, bad batch) fails the whole connection: the
 *   reason is logged, the socket closes, every channel is failed with the NetworkError (consumers'
 *   poll() and producers' push() throw it), and nothing propagates out of the socket handlers.
 *   A channel that already received `end` is complete and is not failed by a later close.
 */
import { log, type StreamElement } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameDecoder, decodeFrame, writeCreditFrame, writeElementFrame } from "./frame-codec.ts";
import { DEFAULT_REMOTE_CHANNEL_CAPACITY, RemoteInputChannel, RemoteOutputChannel } from "./remote-channel.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** Queued bytes past which a push flushes at once instead of in the next microtask. */
const FLUSH_BYTES = 256 * 1024;

/** The part of a Bun socket a connection uses (a fake in unit tests). */
export interface SocketLike {
  /** Bytes accepted (the rest must be retried on drain); negative when the socket is closed. */
  write(bytes: Uint8Array): number;
  end(): unknown;
}

export interface ConnectionOptions {
  /** Names the connection in logs and errors, e.g. "worker-1 -> worker-2". */
  readonly name?: string;
  readonly maxFrameBytes?: number;
}

/** Traffic counters of one connection. */
export interface ConnectionStats {
  bytesSent: number;
  bytesReceived: number;
  framesReceived: number;
  writes: number;
}

export class TcpConnection {
  readonly name: string;
  readonly stats: ConnectionStats = { bytesSent: 0, bytesReceived: 0, framesReceived: 0, writes: 0 };
  private readonly maxFrameBytes: number;
  private readonly decoder: FrameDecoder;
  private readonly out = new WriteBuffer();
  private readonly outputs = new Map<number, RemoteOutputChannel<unknown>>();
  private readonly inputs = new Map<number, RemoteInputChannel<unknown>>();
  private readonly pendingCredits = new Map<number, number>();
  private flushScheduled = false;
  private awaitingDrain = false;
  private closing = false;
  private isClosed = false;
  private failure: NetworkError | null = null;
  private resolveClosed!: (error: NetworkError | null) => void;
  /** Resolves when the socket is gone, with the failure (null after an orderly close). */
  readonly closed: Promise<NetworkError | null> = new Promise((r) => (this.resolveClosed = r));

  constructor(
    private readonly socket: SocketLike,
    options: ConnectionOptions = {},
  ) {
    this.name = options.name ?? "data-plane connection";
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decoder = new FrameDecoder(this.maxFrameBytes);
  }

  /** The producer end of channel `channelId` towards the peer (created on first call). */
  outputChannel<T>(channelId: number): RemoteOutputChannel<T> {
    let channel = this.outputs.get(channelId);
    if (channel === undefined) {
      channel = new RemoteOutputChannel<unknown>(channelId, this);
      if (this.failure !== null) channel.fail(this.failure);
      this.outputs.set(channelId, channel);
    }
    return channel as RemoteOutputChannel<T>;
  }

  /** The consumer end of channel `channelId` from the peer; the first call grants `capacity` credits. */
  inputChannel<T>(channelId: number, capacity: number = DEFAULT_REMOTE_CHANNEL_CAPACITY): RemoteInputChannel<T> {
    const channel = this.input(channelId);
    channel.open(capacity);
    return channel as RemoteInputChannel<T>;
  }

  /** The connection's failure, or null while healthy / after an orderly close. */
  get error(): NetworkError | null {
    return this.failure;
  }

  /** Bytes encoded but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.out.length;
  }

  /** Orderly close: flush what is queued, then end the socket. Channels not yet ended fail with CONNECTION_CLOSED. */
  close(): void {
    if (this.closing || this.isClosed) return;
    this.closing = true;
    this.flush();
    if (this.out.length === 0) this.socket.end();
  }

  /**
   * Fail some channels only (their route broke elsewhere, e.g. a peer worker's link went down): their
   * producers' push() and consumers' poll() throw, the rest of the connection carries on.
   */
  failChannels(channelIds: Iterable<number>, message: string): void {
    const error = new NetworkError(`${this.name}: ${message}`, "CONNECTION_FAILED");
    for (const id of channelIds) {
      this.inputs.get(id)?.fail(error);
      this.outputs.get(id)?.fail(error);
    }
  }

  /** Drop the state of channels that are done with (their attempt ended). */
  forgetChannels(channelIds: Iterable<number>): void {
    for (const id of channelIds) {
      this.inputs.delete(id);
      this.outputs.delete(id);
      this.pendingCredits.delete(id);
    }
  }

  /** Frame bytes received on these input channels. */
  channelBytesIn(channelIds: Iterable<number>): number {
    let total = 0;
    for (const id of channelIds) total += this.inputs.get(id)?.bytesReceived ?? 0;
    return total;
  }

  /** Frame bytes sent on these output channels. */
  channelBytesOut(channelIds: Iterable<number>): number {
    let total = 0;
    for (const id of channelIds) total += this.outputs.get(id)?.bytesSent ?? 0;
    return total;
  }

  // ---- ElementSender / CreditSender (called by the channels) ----

  /** @internal */
  sendElement(channelId: number, element: StreamElement<unknown>): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing || this.isClosed) throw new NetworkError(`${this.name}: push on channel ${channelId} after close`, "CONNECTION_CLOSED");
    const before = this.out.length;
    writeElementFrame(this.out, channelId, element, this.maxFrameBytes);
    const channel = this.outputs.get(channelId);
    if (channel !== undefined) channel.bytesSent += this.out.length - before;
    this.scheduleFlush();
  }

  /** @internal */
  sendCredit(channelId: number, count: number): void {
    if (this.failure !== null || this.closing || this.isClosed) return;
    this.pendingCredits.set(channelId, (this.pendingCredits.get(channelId) ?? 0) + count);
    this.scheduleFlush();
  }

  // ---- socket events (called by the Bun handlers in tcp-transport.ts) ----

  /** @internal Bytes arrived. Never throws. */
  handleData(chunk: Uint8Array): void {
    if (this.failure !== null || this.isClosed) return;
    this.stats.bytesReceived += chunk.length;
    try {
      const frames = this.decoder.push(chunk);
      this.stats.framesReceived += frames.length;
      for (const frame of frames) {
        const decoded = decodeFrame(frame);
        // Get-or-create: credit may arrive before the producer asks for its channel.
        if (decoded.type === "credit") this.outputChannel(decoded.channelId).addCredits(decoded.count);
        else {
          const input = this.input(decoded.channelId);
          input.bytesReceived += frame.payload.length + FRAME_HEADER_BYTES;
          input.deliver(decoded.element);
        }
      }
    } catch (error) {
      this.fail(error instanceof NetworkError ? error : new NetworkError(`${this.name}: receive failed: ${String(error)}`, "CONNECTION_FAILED", error));
    }
  }

  /** @internal The socket can take more bytes. */
  handleDrain(): void {
    this.awaitingDrain = false;
    this.flush();
  }

  /** @internal The socket closed (with `error` if it broke). Never throws. */
  handleClose(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const cause =
      this.failure ??
      (error === undefined
        ? new NetworkError(`${this.name}: connection closed${this.closing ? "" : " by peer"}`, "CONNECTION_CLOSED")
        : new NetworkError(`${this.name}: connection failed: ${error.message}`, "CONNECTION_FAILED", error));
    this.failAllChannels(cause);
    this.resolveClosed(this.failure);
  }

  // ---- internals ----

  private input(channelId: number): RemoteInputChannel<unknown> {
    let channel = this.inputs.get(channelId);
    if (channel === undefined) {
      channel = new RemoteInputChannel<unknown>(channelId, this);
      if (this.failure !== null) channel.fail(this.failure);
      this.inputs.set(channelId, channel);
    }
    return channel;
  }

  private scheduleFlush(): void {
    if (this.out.length >= FLUSH_BYTES) {
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.failure !== null || this.isClosed) return;
    if (this.pendingCredits.size > 0) {
      for (const [channelId, count] of this.pendingCredits) writeCreditFrame(this.out, channelId, count);
      this.pendingCredits.clear();
    }
    if (this.awaitingDrain || this.out.length === 0) return;
    const written = this.socket.write(this.out.readable());
    this.stats.writes++;
    if (written < 0) return; // closed: handleClose follows
    this.stats.bytesSent += written;
    this.out.consume(written);
    if (this.out.length > 0) this.awaitingDrain = true;
    else if (this.closing) this.socket.end();
  }

  /** Fail the connection: log, close the socket, fail every channel. */
  private fail(error: NetworkError): void {
    if (this.failure !== null) return;
    this.failure = error;
    log.warn(`${this.name}: closing connection: ${error.message}`);
    this.out.consume(this.out.length);
    this.pendingCredits.clear();
    this.failAllChannels(error);
    try {
      this.socket.end();
    } catch {
      // already closed: nothing left to release
    }
  }

  private failAllChannels(error: NetworkError): void {
    for (const channel of this.inputs.values()) channel.fail(error);
    for (const channel of this.outputs.values()) channel.fail(error);
  }
}
