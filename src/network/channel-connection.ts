/**
 * @module network/channel-connection
 * ChannelConnection: many channels in both directions multiplexed over one FrameLink, with credit-based
 * flow control that behaves like LocalChannel. In production it runs in every slot thread over a
 * PortSocket to the worker's main thread (whose FrameRouter forwards the frames to another slot or a
 * peer worker); any SocketLike works, a TCP socket included.
 *
 * The FrameLink owns the byte stream: decoding, the send queue, coalesced flushes, drain, orderly close
 * and failing once. This class owns what the frames mean: channels, credits and per-channel counters. It
 * encodes element frames straight into the link's send queue (FrameLink.sendWith, no copy) and writes the
 * credits of a tick from the link's beforeFlush hook, so they go out in the same write.
 *
 * Design (credit protocol)
 *
 *   side A                                           side B
 *   RemoteOutputChannel #7 --DATA/WM/BARRIER/END #7--> RemoteInputChannel #7
 *                          <------- CREDIT #7 (n) ----  (capacity at open, +1 per polled batch)
 *   RemoteInputChannel #7  <--------- ... #7 ---------  RemoteOutputChannel #7   (ids are per direction)
 *
 * Invariants:
 * - Channel ids are scoped per direction: element frames with id X go to the receiver's input channel X,
 *   CREDIT frames with id X go to the receiver's output channel X.
 * - The consumer grants `capacity` credits once, when it opens the input channel, and one credit per
 *   data batch it polls; credits granted in the same tick are summed into one CREDIT frame per channel,
 *   written just before the link's next flush. Granted − polled ≤ capacity, so at most `capacity`
 *   batches per channel are queued at the consumer and (since a producer that respects hasCredit()
 *   sends only with credit) in flight on the wire.
 * - Only DATA spends credit. Watermarks, idleness, barriers and end need none and share the channel's
 *   FIFO byte stream with data, so per-channel order is the push order. Elements that arrive before the
 *   consumer opens the channel are queued (only control events can, since no credit was granted yet);
 *   credits that arrive before the producer asks for its channel are kept the same way.
 * - The link's send queue holds frames the socket did not take yet; it is drained on `drain`, and many
 *   frames go out per write. Its size is bounded by Σ credits × batch size + control frames.
 * - Any decode failure (malformed frame, oversize length, bad batch) fails the whole connection: the
 *   reason is logged, the socket closes, every channel is failed with the NetworkError (consumers'
 *   poll() and producers' push() throw it), and nothing propagates out of the socket handlers. Any
 *   other end of the link (our close(), the peer's, a socket error) fails every channel too, with
 *   CONNECTION_CLOSED or CONNECTION_FAILED. A channel that already received `end` is complete and is
 *   not failed by a later close: it drains normally.
 */
import type { StreamElement } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, type Frame, MAX_CHANNEL_ID, decodeFrame, writeCreditFrame, writeElementFrame } from "./frame-codec.ts";
import { FrameLink, type FrameLinkStats } from "./frame-link.ts";
import { DEFAULT_REMOTE_CHANNEL_CAPACITY, RemoteInputChannel, RemoteOutputChannel } from "./remote-channel.ts";
import type { SocketEvents, SocketLike } from "./socket.ts";
import type { WriteBuffer } from "./write-buffer.ts";

export interface ChannelConnectionOptions {
  /** Names the connection in logs and errors, e.g. "slot 0 data plane". */
  readonly name?: string;
  readonly maxFrameBytes?: number;
}

export class ChannelConnection implements SocketEvents {
  readonly name: string;
  private readonly link: FrameLink;
  private readonly outputs = new Map<number, RemoteOutputChannel<unknown>>();
  private readonly inputs = new Map<number, RemoteInputChannel<unknown>>();
  private readonly pendingCredits = new Map<number, number>();
  /** What every channel was failed with when the link went away (new channels get it too). */
  private closeCause: NetworkError | null = null;
  /** Encodes one element frame into the link's queue: created once, so sendWith allocates nothing. */
  private readonly encodeElement: (out: WriteBuffer, channelId: number, element: StreamElement<unknown>) => void;
  private resolveClosed!: (error: NetworkError | null) => void;
  /** Resolves when the link is gone: with the failure (e.g. a decode error), null after a close without one. */
  readonly closed: Promise<NetworkError | null> = new Promise((r) => (this.resolveClosed = r));

  constructor(socket: SocketLike, options: ChannelConnectionOptions = {}) {
    this.name = options.name ?? "data-plane connection";
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.encodeElement = (out, channelId, element) => writeElementFrame(out, channelId, element, maxFrameBytes);
    this.link = new FrameLink(socket, {
      name: this.name,
      maxFrameBytes,
      frameBytes: false,
      onFrame: (frame) => this.receive(frame),
      onClose: (error) => this.linkClosed(error),
      beforeFlush: (out) => this.writeCredits(out),
    });
  }

  /** The producer end of channel `channelId` towards the peer (created on first call). */
  outputChannel<T>(channelId: number): RemoteOutputChannel<T> {
    let channel = this.outputs.get(channelId);
    if (channel === undefined) {
      channel = new RemoteOutputChannel<unknown>(channelId, this);
      if (this.closeCause !== null) channel.fail(this.closeCause);
      this.outputs.set(channelId, channel);
    }
    return channel as RemoteOutputChannel<T>;
  }

  /** The consumer end of channel `channelId` from the peer; the first call grants `capacity` credits. */
  inputChannel<T>(channelId: number, capacity: number = DEFAULT_REMOTE_CHANNEL_CAPACITY): RemoteInputChannel<T> {
    if (!Number.isInteger(channelId) || channelId < 0 || channelId > MAX_CHANNEL_ID) throw new RangeError(`channel id ${channelId} is not a u32`);
    const channel = this.input(channelId);
    channel.open(capacity);
    return channel as RemoteInputChannel<T>;
  }

  /** The connection's failure, or null while healthy / after a close without failure. */
  get error(): NetworkError | null {
    return this.link.error;
  }

  /** Bytes encoded but not yet taken by the socket. */
  get bufferedBytes(): number {
    return this.link.bufferedBytes;
  }

  /** Traffic counters of the underlying link. */
  get stats(): Readonly<FrameLinkStats> {
    return this.link.stats;
  }

  /** Orderly close: flush what is queued, then end the socket. Channels not yet ended fail with CONNECTION_CLOSED. */
  close(): void {
    this.link.close();
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

  // ---- socket events, forwarded to the link (e.g. from forwardSocketEvents or a port's messages) ----

  /** Bytes arrived. Never throws. */
  handleData(chunk: Uint8Array): void {
    this.link.handleData(chunk);
  }

  /** The socket can take more bytes. */
  handleDrain(): void {
    this.link.handleDrain();
  }

  /** The socket closed (with `error` if it broke). Never throws. */
  handleClose(error?: Error): void {
    this.link.handleClose(error);
  }

  // ---- ElementSender / CreditSender (called by the channels) ----

  /** @internal */
  sendElement(channelId: number, element: StreamElement<unknown>): void {
    // sendWith queues at least a header, and returns 0 only once the link is closing, failed or closed.
    const bytes = this.link.sendWith(this.encodeElement, channelId, element);
    if (bytes === 0) throw this.link.error ?? new NetworkError(`${this.name}: push on channel ${channelId} after close`, "CONNECTION_CLOSED");
    const channel = this.outputs.get(channelId);
    if (channel !== undefined) channel.bytesSent += bytes;
  }

  /** @internal */
  sendCredit(channelId: number, count: number): void {
    if (this.link.isClosed) return;
    this.pendingCredits.set(channelId, (this.pendingCredits.get(channelId) ?? 0) + count);
    this.link.requestFlush();
  }

  // ---- link callbacks ----

  /** A frame arrived: turn it into a delivery or credits. A throw fails the link (and so every channel). */
  private receive(frame: Frame): void {
    const decoded = decodeFrame(frame);
    // Get-or-create: credit may arrive before the producer asks for its channel.
    if (decoded.type === "credit") this.outputChannel(decoded.channelId).addCredits(decoded.count);
    else {
      const input = this.input(decoded.channelId);
      input.bytesReceived += frame.payload.length + FRAME_HEADER_BYTES;
      input.deliver(decoded.element);
    }
  }

  /** The link's beforeFlush: the credits of this tick, one frame per channel. */
  private writeCredits(out: WriteBuffer): number {
    const frames = this.pendingCredits.size;
    if (frames === 0) return 0;
    for (const [channelId, count] of this.pendingCredits) writeCreditFrame(out, channelId, count);
    this.pendingCredits.clear();
    return frames;
  }

  /** The link is gone (once): fail every channel that has not seen `end`. */
  private linkClosed(error: NetworkError | null): void {
    const cause = error ?? new NetworkError(`${this.name}: connection closed`, "CONNECTION_CLOSED");
    this.closeCause = cause;
    this.pendingCredits.clear();
    for (const channel of this.inputs.values()) channel.fail(cause);
    for (const channel of this.outputs.values()) channel.fail(cause);
    this.resolveClosed(this.link.error);
  }

  private input(channelId: number): RemoteInputChannel<unknown> {
    let channel = this.inputs.get(channelId);
    if (channel === undefined) {
      channel = new RemoteInputChannel<unknown>(channelId, this);
      if (this.closeCause !== null) channel.fail(this.closeCause);
      this.inputs.set(channelId, channel);
    }
    return channel;
  }
}
