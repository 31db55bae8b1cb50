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
