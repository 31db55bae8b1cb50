/**
 * @module core/channel
 * The contract of a channel between one producer subtask and one consumer subtask, shared by the
 * in-process LocalChannel (runtime) and the TCP channels (network): credit-based, ordered, with
 * control events that need no credit.
 */
import type { StreamElement } from "./stream-element.ts";

/** Anything a channel can signal when there is something to do; the runtime's Wakeup fits. */
export interface Notifiable {
  notify(): void;
}

/** The producer side of a channel. */
export interface OutputChannel<T> {
  push(element: StreamElement<T>): void;
  /** Whether the consumer granted credit for another data batch. */
  hasCredit(): boolean;
  /** Notified when credit comes back. */
  setProducerWakeup(wakeup: Notifiable): void;
}

/** The consumer side of a channel. */
export interface InputChannel<T> {
  poll(): StreamElement<T> | undefined;
  /** Notified when an element arrives. */
  setConsumerWakeup(wakeup: Notifiable): void;
}

/** Default buffers (batches) a consumer grants per channel. */
export const DEFAULT_CHANNEL_CAPACITY = 4;

/**
 * The FIFO of stream elements inside a channel's consumer side, counting queued data batches (what
 * credits pay for) and the most ever queued. Shared by LocalChannel and the TCP input channel.
 */
export class ElementQueue<T> {
  private items: StreamElement<T>[] = [];
  private head = 0;
  /** Data batches queued now. */
  batches = 0;
  /** Most data batches ever queued at once (tests check it never exceeds the capacity). */
  highWater = 0;

  push(element: StreamElement<T>): void {
    this.items.push(element);
    if (element.kind === "batch" && ++this.batches > this.highWater) this.highWater = this.batches;
  }

  shift(): StreamElement<T> | undefined {
    if (this.head >= this.items.length) return undefined;
    const element = this.items[this.head++]!;
    // Compact now and then instead of an O(n) Array.shift per element.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (element.kind === "batch") this.batches--;
    return element;
  }
}
