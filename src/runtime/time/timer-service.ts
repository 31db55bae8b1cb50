/**
 * @module runtime/time/timer-service
 * Keyed event-time and processing-time timers of one operator subtask (Flink's InternalTimerService).
 *
 * - A timer is (key, timestamp); registering the same pair twice keeps one timer.
 * - Event-time timers fire when the watermark reaches their timestamp, in timestamp order and, for
 *   equal timestamps, in registration order of their keys. The current key is set before each fires.
 *   A timer registered while firing, at or below the watermark, fires in the same advance.
 * - Processing-time timers fire from the task's mailbox when the wall clock passes them, never
 *   concurrently with record processing.
 * Storage: timestamp -> (normalized key -> key) plus a heap of distinct timestamps, so registering a
 * timer for an existing window is one Map lookup.
 */
import { keyGroupOf, MIN_WATERMARK, normalizeKey, PlanError } from "../../core/index.ts";
import type { KeyGroupRange, KeyedStateStore, TimerService } from "../../core/index.ts";
import type { TimerEntry } from "../checkpointing/task-snapshot.ts";
import { TimestampHeap } from "./timestamp-heap.ts";

type TimerFn = (key: unknown, timestamp: number) => void;

class TimerQueue {
  readonly byTime = new Map<number, Map<unknown, unknown>>();
  readonly heap = new TimestampHeap();

  add(timestamp: number, key: unknown): boolean {
    let keys = this.byTime.get(timestamp);
    const isNewTime = keys === undefined;
    if (keys === undefined) {
      keys = new Map();
      this.byTime.set(timestamp, keys);
      this.heap.push(timestamp);
    }
    keys.set(normalizeKey(key), key);
    return isNewTime;
  }

  delete(timestamp: number, key: unknown): void {
    this.byTime.get(timestamp)?.delete(normalizeKey(key));
  }

  /** Fire every timer with timestamp <= upTo; timers added meanwhile are included. */
  fireUpTo(upTo: number, store: KeyedStateStore | null, fire: TimerFn): void {
    const heap = this.heap;
    while (heap.size > 0 && heap.peek()! <= upTo) {
      const ts = heap.pop()!;
      const keys = this.byTime.get(ts);
      this.byTime.delete(ts);
      if (keys === undefined) continue;
      for (const key of keys.values()) {
        store?.setCurrentKey(key);
        fire(key, ts);
      }
    }
  }

  *entries(): IterableIterator<[number, unknown]> {
    for (const [ts, keys] of this.byTime) for (const key of keys.values()) yield [ts, key];
  }

  get count(): number {
    let n = 0;
    for (const keys of this.byTime.values()) n += keys.size;
    return n;
  }
}

export class KeyedTimerService implements TimerService {
  private watermark = MIN_WATERMARK;
  private readonly eventTimers = new TimerQueue();
  private readonly processingTimers = new TimerQueue();

  /**
   * @param store keyed state of the operator, or null for a non-keyed operator (which may read time but
   *   not register timers)
   * @param scheduleProcessingTime asks the task to call `advanceProcessingTime` at (or after) a wall-clock time
   * @param operatorName for error messages
   */
  constructor(
    private readonly store: KeyedStateStore | null,
    private readonly scheduleProcessingTime: (timestamp: number) => void,
    private readonly operatorName: string,
  ) {}

  currentWatermark(): number {
    return this.watermark;
  }

  currentProcessingTime(): number {
    return Date.now();
  }

  private currentKey(): unknown {
    if (this.store === null) throw new PlanError(`operator '${this.operatorName}' is not keyed: timers need keyBy() first`);
    return this.store.getCurrentKey();
  }

  registerEventTimeTimer(timestamp: number): void {
    this.eventTimers.add(timestamp, this.currentKey());
  }

  deleteEventTimeTimer(timestamp: number): void {
    this.eventTimers.delete(timestamp, this.currentKey());
  }

  registerProcessingTimeTimer(timestamp: number): void {
    if (this.processingTimers.add(timestamp, this.currentKey())) this.scheduleProcessingTime(timestamp);
  }

  deleteProcessingTimeTimer(timestamp: number): void {
    this.processingTimers.delete(timestamp, this.currentKey());
  }

  /** Set the watermark and fire the event-time timers it passes. */
  advanceWatermark(watermark: number, fire: TimerFn): void {
    this.watermark = watermark;
    this.eventTimers.fireUpTo(watermark, this.store, fire);
  }

  /** Fire processing-time timers due at `now`. */
  advanceProcessingTime(now: number, fire: TimerFn): void {
    this.processingTimers.fireUpTo(now, this.store, fire);
  }

  /** Every registered timer, for a checkpoint. Keys are the original keys. */
  snapshot(): TimerEntry[] {
    const out: TimerEntry[] = [];
    for (const [ts, key] of this.eventTimers.entries()) out.push([ts, key, "event"]);
    for (const [ts, key] of this.processingTimers.entries()) out.push([ts, key, "processing"]);
    return out;
  }

  /**
   * Re-register the timers of a previous run whose keys fall in `range` (they may come from several
   * old subtasks when parallelism changed). Processing-time timers are scheduled again.
   */
  restore(entries: readonly TimerEntry[], range: KeyGroupRange, maxParallelism: number): void {
    for (const [ts, key, domain] of entries) {
      const group = keyGroupOf(key, maxParallelism);
      if (group < range.start || group > range.end) continue;
      if (domain === "event") this.eventTimers.add(ts, key);
      else if (this.processingTimers.add(ts, key)) this.scheduleProcessingTime(ts);
    }
  }

  /** Registered event-time timers (for tests and metrics). */
  get eventTimerCount(): number {
    return this.eventTimers.count;
  }
}
