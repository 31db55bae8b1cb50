/**
 * @module operators/window/window-operator
 * Keyed event-time windows. Window contents live in the keyed state store (one MapState per key,
 * window start -> accumulator), so a state backend can hold them off-heap.
 *
 * Protocol (Flink's WindowOperator with EventTimeTrigger):
 * - A record with event time t goes into every window the assigner gives for t, unless the window is
 *   *late*: maxTimestamp + allowedLateness <= current watermark. A record all of whose windows are late
 *   is counted (`numLateRecordsDropped`) and sent to the late-data side output when one is set.
 * - A new window registers an event-time timer at maxTimestamp (= end - 1) and, with allowed lateness,
 *   a cleanup timer at maxTimestamp + allowedLateness.
 * - When the watermark passes maxTimestamp the timer fires the window: its result is emitted with
 *   timestamp maxTimestamp. Without lateness the contents are dropped at once; with lateness they stay,
 *   and every further (late but allowed) record re-fires the window immediately, until cleanup.
 * - Results fired by one watermark are emitted before that watermark is forwarded.
 */
import { NO_TIMESTAMP, RecordProcessingFailure, type Counter } from "../../core/index.ts";
import type { KeyedStateStore, MapState, Operator, OperatorContext, Output, RecordBatch, TimeWindow, TimerService } from "../../core/index.ts";
import { BatchCollector, type Collector } from "../collector.ts";
import type { KeySelector } from "../key-selector.ts";
import type { AggregateFunction } from "./aggregates.ts";
import { slidingStarts, windowStart, type WindowAssignerSpec } from "./assigners.ts";

/** A user function given all elements of a fired window. */
export type ProcessWindowFunction<K, T, R> = (
  context: { readonly key: K; readonly window: TimeWindow },
  elements: readonly T[],
  out: Collector<R>,
) => void;

export interface WindowOperatorOptions {
  readonly assigner: WindowAssignerSpec;
  readonly allowedLatenessMs: number;
  /** Side output id for records too late for every window, or null to only count them. */
  readonly lateOutputTag: string | null;
  readonly keyOf: KeySelector;
  readonly aggregate: AggregateFunction<unknown, unknown, unknown>;
  /** When set, fired windows call this with the collected elements instead of emitting WindowResults. */
  readonly process?: ProcessWindowFunction<unknown, unknown, unknown>;
  /** When set, a fired window emits what this builds from its accumulator and bounds instead of a WindowResult (SQL's flat rows). */
  readonly result?: (accumulator: unknown, start: number, end: number) => unknown;
}

/** The metric counting records dropped as late. */
export const LATE_RECORDS_METRIC = "numLateRecordsDropped";

/** Shared machinery: keys, lateness, firing, buffering; subclasses place records into windows. */
export abstract class WindowOperatorBase implements Operator<unknown, unknown> {
  protected store!: KeyedStateStore;
  protected timers!: TimerService;
  private lateRecords!: Counter;
  private readonly results = new BatchCollector<unknown>();
  private lateValues: unknown[] = [];
  private lateTimestamps: number[] = [];
  protected readonly lateness: number;

  constructor(protected readonly options: WindowOperatorOptions) {
    this.lateness = options.allowedLatenessMs;
  }

  open(ctx: OperatorContext): void {
    this.store = ctx.keyedState();
    this.timers = ctx.timerService();
    this.lateRecords = ctx.metrics.counter(LATE_RECORDS_METRIC);
    this.openState();
  }

  protected abstract openState(): void;
  /** Put one record into its windows; false when every window was late. */
  protected abstract assign(value: unknown, timestamp: number, watermark: number): boolean;

  processBatch(batch: RecordBatch<unknown>, out: Output<unknown>): void {
    const { values, timestamps } = batch;
    const { keyOf } = this.options;
    const store = this.store;
    const watermark = this.timers.currentWatermark();
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const t = timestamps[i]!;
        if (!Number.isFinite(t)) {
          throw new TypeError(
            t === NO_TIMESTAMP
              ? "record has no event-time timestamp; give the source a WatermarkStrategy with timestamps"
              : `record has an invalid event-time timestamp (${String(t)}); timestamps must be finite epoch milliseconds`,
          );
        }
        const v = values[i];
        store.setCurrentKey(keyOf(v));
        if (!this.assign(v, t, watermark)) {
          this.lateValues.push(v);
          this.lateTimestamps.push(t);
        }
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    this.flushLate(out);
    this.results.flush(out);
  }

  private flushLate(out: Output<unknown>): void {
    if (this.lateValues.length === 0) return;
    this.lateRecords.inc(this.lateValues.length);
    if (this.options.lateOutputTag !== null) out.emitSide(this.options.lateOutputTag, { values: this.lateValues, timestamps: this.lateTimestamps });
    this.lateValues = [];
    this.lateTimestamps = [];
  }

  protected isLate(maxTimestamp: number, watermark: number): boolean {
    return maxTimestamp + this.lateness <= watermark;
  }

  /**
   * Register the timers of a window that received a record. A window the watermark has already passed
   * (late but allowed) is fired by the caller right away and gets no firing timer, or the next
   * watermark would fire it a second time; its cleanup timer still follows the lateness.
   */
  protected registerTimers(maxTimestamp: number, watermark: number): void {
    if (maxTimestamp > watermark) this.timers.registerEventTimeTimer(maxTimestamp);
    if (this.lateness > 0) this.timers.registerEventTimeTimer(maxTimestamp + this.lateness);
  }

  /** Emit the window's result for the current key. */
  protected fire(start: number, end: number, accumulator: unknown): void {
    const results = this.results;
    results.timestamp = end - 1;
    const { process, result } = this.options;
    if (result !== undefined) {
      results.collect(result(accumulator, start, end));
      return;
    }
    const key = this.store.getCurrentKey();
    const window = { start, end };
    if (process === undefined) results.collect({ key, window, value: this.options.aggregate.getResult(accumulator) });
    else process({ key, window }, this.options.aggregate.getResult(accumulator) as unknown[], results);
  }

  abstract onEventTimeTimer(key: unknown, timestamp: number, out: Output<unknown>): void;

  processWatermark(timestamp: number, out: Output<unknown>): void {
    this.results.flush(out);
    out.emitWatermark(timestamp);
  }

  endInput(out: Output<unknown>): void {
    this.results.flush(out);
  }
}

/** Tumbling and sliding windows: a window is identified by its start; end = start + size. */
export class AlignedWindowOperator extends WindowOperatorBase {
  private contents!: MapState<number, unknown>;
  private readonly size: number;

  constructor(options: WindowOperatorOptions) {
    super(options);
    if (options.assigner.type === "session") throw new TypeError("AlignedWindowOperator needs a tumbling or sliding assigner");
    this.size = options.assigner.sizeMs;
  }

  protected openState(): void {
    this.contents = this.store.getMapState<number, unknown>({ kind: "map", name: "window-contents" });
  }

  private addTo(start: number, value: unknown, watermark: number): boolean {
    const maxTs = start + this.size - 1;
    if (this.isLate(maxTs, watermark)) return false;
    const contents = this.contents;
    const agg = this.options.aggregate;
    let acc = contents.get(start);
    if (acc === undefined && !contents.has(start)) {
      acc = agg.createAccumulator();
      this.registerTimers(maxTs, watermark);
    }
    acc = agg.add(value, acc);
    contents.put(start, acc);
    if (maxTs <= watermark) this.fire(start, start + this.size, acc);
    return true;
  }

  protected assign(value: unknown, timestamp: number, watermark: number): boolean {
    const spec = this.options.assigner;
    if (spec.type === "tumbling") return this.addTo(windowStart(timestamp, spec.offsetMs, spec.sizeMs), value, watermark);
    if (spec.type !== "sliding") return false;
    let accepted = false;
    for (const start of slidingStarts(timestamp, spec.sizeMs, spec.slideMs, spec.offsetMs)) {
      if (this.addTo(start, value, watermark)) accepted = true;
    }
    return accepted;
  }

  onEventTimeTimer(_key: unknown, timestamp: number, _out: Output<unknown>): void {
    const contents = this.contents;
    const start = timestamp + 1 - this.size;
    const acc = contents.get(start);
    if (acc !== undefined || contents.has(start)) {
      this.fire(start, start + this.size, acc);
      if (this.lateness === 0) contents.remove(start);
    }
    if (this.lateness > 0) contents.remove(timestamp + 1 - this.lateness - this.size);
  }
}

/**
 * Session windows: per key a set of [start, end) windows, merged when a record bridges them.
 *
 * Per-record cost. Most records land in the key's one open session and only move its end forward, so
 * the common path is: one pass over the key's few sessions, `add` into the found accumulator, and one
 * `put` under the unchanged start (the stored [end, acc] pair is reused). Sessions a merge swallowed are
 * removed only after the merged session is written, so the key's map never empties in between (an
 * emptied map would be dropped and re-created, churning the backend's per-key table).
 *
 * Timers without allowed lateness are lazy (Flink instead deletes and re-registers one timer per merged
 * window). Invariant: every stored session has an event-time timer of its key registered at or before
 * its maxTimestamp (= end - 1).
 * - A new session registers its maxTimestamp.
 * - A record that merges into stored sessions registers nothing: each merged session already had a
 *   timer at or before its own maxTimestamp, which is at or before the merged one.
 * - A timer at t fires the sessions whose maxTimestamp is t, drops them, and registers a timer at
 *   maxTimestamp for every session still open after t (a no-op for one already registered there).
 * So each session fires exactly once, at its final maxTimestamp, and a key has about one pending timer
 * per session instead of one per record. With allowed lateness every record registers its firing and
 * cleanup timers as before (late-but-allowed sessions re-fire per record, so the invariant would need
 * a second case for cleanup).
 */
export class SessionWindowOperator extends WindowOperatorBase {
  /** start -> [end, accumulator] */
  private sessions!: MapState<number, [number, unknown]>;
  private readonly gap: number;

  constructor(options: WindowOperatorOptions) {
    super(options);
    if (options.assigner.type !== "session") throw new TypeError("SessionWindowOperator needs a session assigner");
    this.gap = options.assigner.gapMs;
  }

  protected openState(): void {
    this.sessions = this.store.getMapState<number, [number, unknown]>({ kind: "map", name: "session-windows" });
  }

  protected assign(value: unknown, timestamp: number, watermark: number): boolean {
    const agg = this.options.aggregate;
    const sessions = this.sessions;
    let start = timestamp;
    let end = timestamp + this.gap;
    let acc: unknown = undefined;
    /** The first session merged (its pair is reused), and the starts of any further ones. */
    let first: [number, unknown] | null = null;
    let firstStart = 0;
    let others: number[] | null = null;
    // Windows intersect when they overlap or touch (Flink's TimeWindow.intersects).
    for (const [s, pair] of sessions.entries()) {
      const e = pair[0];
      if (s <= end && e >= start) {
        start = Math.min(start, s);
        end = Math.max(end, e);
        if (first === null) {
          first = pair;
          firstStart = s;
          acc = pair[1];
        } else {
          acc = agg.merge(acc, pair[1]);
          (others ??= []).push(s);
        }
      }
    }
    const maxTs = end - 1;
    if (this.isLate(maxTs, watermark)) return false;
    acc = agg.add(value, first === null ? agg.createAccumulator() : acc);
    let pair: [number, unknown];
    if (first !== null && firstStart === start) {
      pair = first;
      pair[0] = end;
      pair[1] = acc;
    } else pair = [end, acc];
    sessions.put(start, pair);
    if (first !== null && firstStart !== start) sessions.remove(firstStart);
    if (others !== null) for (const s of others) if (s !== start) sessions.remove(s);
    if (first === null || this.lateness > 0) this.registerTimers(maxTs, watermark);
    if (maxTs <= watermark) this.fire(start, end, acc);
    return true;
  }

  onEventTimeTimer(_key: unknown, timestamp: number, _out: Output<unknown>): void {
    const sessions = this.sessions;
    let expired: number[] | null = null;
    for (const [start, [end, acc]] of sessions.entries()) {
      const maxTs = end - 1;
      if (maxTs === timestamp) this.fire(start, end, acc);
      if (maxTs + this.lateness <= timestamp) (expired ??= []).push(start);
      else if (this.lateness === 0 && maxTs > timestamp) this.timers.registerEventTimeTimer(maxTs);
    }
    if (expired !== null) for (const start of expired) sessions.remove(start);
  }
}
