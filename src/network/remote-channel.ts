/**
 * @module network/remote-channel
 * The two ends of a channel that crosses a TCP connection. They implement the runtime's OutputChannel
 * and InputChannel contracts from core, like the runtime's LocalChannel.
 */
import { DEFAULT_CHANNEL_CAPACITY, ElementQueue } from "../core/index.ts";
import type { InputChannel, Notifiable, OutputChannel, StreamElement } from "../core/index.ts";
import type { NetworkError } from "./errors.ts";

/** Anything a channel can signal; the runtime's Wakeup fits. */
export type WakeupLike = Notifiable;
export type { InputChannel, OutputChannel } from "../core/index.ts";

/** Default buffers (batches) a consumer grants per channel, as for local channels. */
export const DEFAULT_REMOTE_CHANNEL_CAPACITY = DEFAULT_CHANNEL_CAPACITY;

/** What a RemoteOutputChannel needs from its connection. */
export interface ElementSender {
  sendElement(channelId: number, element: StreamElement<unknown>): void;
}

/** What a RemoteInputChannel needs from its connection. */
export interface CreditSender {
  sendCredit(channelId: number, count: number): void;
}

/**
 * Producer end. Counts the credits the remote consumer granted; each data batch spends one, control
 * events spend none. Like LocalChannel, `push` does not refuse a batch without credit (the caller
 * must check `hasCredit()`); the balance then goes negative and later credits pay it back.
 * Once the connection failed, `hasCredit()` answers true so a waiting producer wakes and calls
 * `push`, which throws the connection's NetworkError.
 */
export class RemoteOutputChannel<T> implements OutputChannel<T> {
  /** Frame bytes this channel sent (metrics). */
  bytesSent = 0;
  private credits = 0;
  private wakeup: WakeupLike | null = null;
  private failure: NetworkError | null = null;

  constructor(
    readonly channelId: number,
    private readonly sender: ElementSender,
  ) {}

  push(element: StreamElement<T>): void {
    if (this.failure !== null) throw this.failure;
    this.sender.sendElement(this.channelId, element);
    if (element.kind === "batch") this.credits--;
  }

  hasCredit(): boolean {
    return this.failure !== null || this.credits > 0;
  }

  setProducerWakeup(wakeup: WakeupLike): void {
    this.wakeup = wakeup;
  }

  /** Credits granted and not yet spent (negative if the producer pushed without credit). */
  get availableCredits(): number {
    return this.credits;
  }

  /** @internal A CREDIT frame arrived. */
  addCredits(count: number): void {
    this.credits += count;
    this.wakeup?.notify();
  }

  /** @internal The connection failed or closed. */
  fail(error: NetworkError): void {
    this.failure ??= error;
    this.wakeup?.notify();
  }
}

/**
 * Consumer end. Grants `capacity` credits when opened and one credit back per data batch polled, so at
 * most `capacity` batches are ever queued here. After the connection fails, `poll()` throws its
 * NetworkError, unless this channel already received `end` (then the stream is complete and drains normally).
 */
export class RemoteInputChannel<T> implements InputChannel<T> {
  /** Frame bytes this channel received (metrics). */
  bytesReceived = 0;
  private readonly queue = new ElementQueue<T>();
  private wakeup: WakeupLike | null = null;
  private failure: NetworkError | null = null;
  private ended = false;
  private capacity = 0;
  /** Most data batches ever queued at once: tests check it never exceeds the capacity. */
  get highWater(): number {
    return this.queue.highWater;
  }

  constructor(
    readonly channelId: number,
    private readonly sender: CreditSender,
  ) {}

  /** True once the consumer opened this channel (granted its initial credit). */
  get isOpen(): boolean {
    return this.capacity > 0;
  }

  /** @internal Grant the initial credit; idempotent. */
  open(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`channel ${this.channelId}: capacity ${capacity} must be a positive integer`);
    if (this.capacity > 0) return;
    this.capacity = capacity;
    if (this.failure === null) this.sender.sendCredit(this.channelId, capacity);
  }

  poll(): StreamElement<T> | undefined {
    if (this.failure !== null && !this.ended) throw this.failure;
    const element = this.queue.shift();
    if (element === undefined) return undefined;
    if (element.kind === "batch") {
      if (this.failure === null) this.sender.sendCredit(this.channelId, 1);
    }
    return element;
  }

  setConsumerWakeup(wakeup: WakeupLike): void {
    this.wakeup = wakeup;
  }

  /** Data batches waiting to be consumed. */
  get backlog(): number {
    return this.queue.batches;
  }

  /** The error that failed this channel, if any. */
  get error(): NetworkError | null {
    return this.ended ? null : this.failure;
  }

  /** @internal An element arrived from the wire. */
  deliver(element: StreamElement<T>): void {
    this.queue.push(element);
    if (element.kind === "end") this.ended = true;
    this.wakeup?.notify();
  }

  /** @internal The connection failed or closed. */
  fail(error: NetworkError): void {
    this.failure ??= error;
    this.wakeup?.notify();
  }
}
