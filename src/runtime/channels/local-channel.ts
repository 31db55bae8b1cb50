/**
 * @module runtime/channels/local-channel
 * A bounded channel between one producer subtask and one consumer subtask in the same process, with
 * credit-based flow control.
 *
 *   producer --push(batch)--> [ b b b . ]  --poll()--> consumer
 *            <---- credit ----  capacity = 4 buffers
 *
 * Invariants:
 * - The consumer grants `capacity` credits; each queued data batch uses one; `poll` of a batch returns
 *   it. A producer sends data only while `hasCredit()`; otherwise it waits on its Wakeup (which `poll`
 *   notifies), so a slow consumer slows the producer and memory per channel stays bounded.
 * - Control events (watermarks, idleness, barriers, end) need no credit and keep their order with data.
 * The TCP data plane implements the same interface with credits announced over the wire.
 */
import { DEFAULT_CHANNEL_CAPACITY, ElementQueue } from "../../core/index.ts";
import type { InputChannel, Notifiable, OutputChannel, StreamElement } from "../../core/index.ts";

export { DEFAULT_CHANNEL_CAPACITY, type InputChannel, type OutputChannel } from "../../core/index.ts";

export class LocalChannel<T> implements OutputChannel<T>, InputChannel<T> {
  private readonly queue = new ElementQueue<T>();
  private consumer: Notifiable | null = null;
  private producer: Notifiable | null = null;
  /** Most data batches ever queued at once: tests check it never exceeds the capacity. */
  get highWater(): number {
    return this.queue.highWater;
  }

  constructor(readonly capacity: number = DEFAULT_CHANNEL_CAPACITY) {}

  setConsumerWakeup(wakeup: Notifiable): void {
    this.consumer = wakeup;
  }

  setProducerWakeup(wakeup: Notifiable): void {
    this.producer = wakeup;
  }

  hasCredit(): boolean {
    return this.queue.batches < this.capacity;
  }

  push(element: StreamElement<T>): void {
    this.queue.push(element);
    this.consumer?.notify();
  }

  poll(): StreamElement<T> | undefined {
    const element = this.queue.shift();
    if (element === undefined) return undefined;
    if (element.kind === "batch") {
      this.producer?.notify();
    }
    return element;
  }

  /** Data batches waiting to be consumed. */
  get backlog(): number {
    return this.queue.batches;
  }
}
