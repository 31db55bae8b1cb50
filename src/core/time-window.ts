/**
 * @module core/time-window
 * TimeWindow: an event-time interval [start, end) in epoch ms, and the one shape of window results.
 */

export interface TimeWindow {
  /** Inclusive start, epoch ms. */
  readonly start: number;
  /** Exclusive end, epoch ms. */
  readonly end: number;
}

/** The last timestamp inside the window; its event-time timer fires when the watermark reaches it. */
export function maxTimestamp(window: TimeWindow): number {
  return window.end - 1;
}

/** Every windowed aggregation emits this: the key, the window, and the aggregated value. */
export interface WindowResult<K, V> {
  readonly key: K;
  readonly window: TimeWindow;
  readonly value: V;
}
