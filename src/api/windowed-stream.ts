/**
 * @module api/windowed-stream
 * WindowedStream<T, K>: a keyed stream cut into event-time windows, awaiting its window function.
 * Every aggregation emits `{ key, window: { start, end }, value }` once the watermark passes the
 * window's end; `process` hands the function all of a window's elements.
 */
import { PlanError, type OutputTag, type WindowResult } from "../core/index.ts";
import { describeAssigner, type AggregateFunction, type AggregateSpec, type ProcessWindowFunction, type WindowAssignerSpec } from "../operators/index.ts";
import type { DataStream } from "./data-stream.ts";
import type { KeyedStream } from "./keyed-stream.ts";
import type { NumericKeys, OperatorOptions } from "./types.ts";

export class WindowedStream<T, K> {
  private latenessMs = 0;
  private lateTag: string | null = null;

  /** @internal */
  constructor(
    private readonly keyed: KeyedStream<T, K>,
    private readonly assigner: WindowAssignerSpec,
  ) {}

  /**
   * Keep windows open for `ms` after the watermark passes their end; late records within it update
   * and re-fire the window.
   */
  allowedLateness(ms: number): this {
    if (!Number.isInteger(ms) || ms < 0) throw new PlanError(`allowedLateness must be a non-negative whole number of ms, got ${ms}`);
    this.latenessMs = ms;
    return this;
  }

  /**
   * Send records too late for every window to a side output instead of only counting them.
   * @example
   * const late = new OutputTag<Event>("late");
   * const sums = keyed.window(TumblingEventTimeWindows.of(1000)).sideOutputLateData(late).sum("v");
   * sums.getSideOutput(late).print();
   */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.lateTag = tag.id;
    return this;
  }

  private build<O>(aggregate: AggregateSpec, label: string, fns: Record<string, unknown>, options?: OperatorOptions): DataStream<O> {
    const config = { assigner: this.assigner, allowedLatenessMs: this.latenessMs, lateOutputTag: this.lateTag, aggregate };
    const name = `Window(${describeAssigner(this.assigner)}, ${label})`;
    return this.keyed.keyedNode<O>("window", name, config as unknown as Record<string, never>, fns, options);
  }

  /** Sum of a numeric field per key and window. @example keyed.window(w).sum("value") */
  sum(field: NumericKeys<T>, options?: OperatorOptions): DataStream<WindowResult<K, number>> {
    return this.build({ type: "sum", field }, `sum ${field}`, {}, options);
  }
  /** Number of records per key and window. @example keyed.window(w).count() */
  count(options?: OperatorOptions): DataStream<WindowResult<K, number>> {
    return this.build({ type: "count" }, "count", {}, options);
  }
  /** Smallest value of a numeric field. @example keyed.window(w).min("price") */
  min(field: NumericKeys<T>, options?: OperatorOptions): DataStream<WindowResult<K, number>> {
    return this.build({ type: "min", field }, `min ${field}`, {}, options);
  }
  /** Largest value of a numeric field. @example keyed.window(w).max("price") */
  max(field: NumericKeys<T>, options?: OperatorOptions): DataStream<WindowResult<K, number>> {
    return this.build({ type: "max", field }, `max ${field}`, {}, options);
  }
  /** The record with the smallest value of a field (first one on ties). @example keyed.window(w).minBy("price") */
  minBy(field: NumericKeys<T>, options?: OperatorOptions): DataStream<WindowResult<K, T>> {
    return this.build({ type: "minBy", field }, `minBy ${field}`, {}, options);
  }
  /** The record with the largest value of a field (first one on ties). @example keyed.window(w).maxBy("price") */
  maxBy(field: NumericKeys<T>, options?: OperatorOptions): DataStream<WindowResult<K, T>> {
    return this.build({ type: "maxBy", field }, `maxBy ${field}`, {}, options);
  }
  /** Fold the window's records pairwise. @example keyed.window(w).reduce((a, b) => (a.v > b.v ? a : b)) */
  reduce(fn: (a: T, b: T) => T, options?: OperatorOptions): DataStream<WindowResult<K, T>> {
    return this.build({ type: "reduce" }, "reduce", { reduce: fn }, options);
  }
  /**
   * Incremental aggregation with an accumulator.
   * @example
   * keyed.window(w).aggregate({
   *   createAccumulator: () => ({ sum: 0, n: 0 }),
   *   add: (e, acc) => ({ sum: acc.sum + e.value, n: acc.n + 1 }),
   *   getResult: (acc) => acc.sum / acc.n,
   *   merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
   * });
   */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>, options?: OperatorOptions): DataStream<WindowResult<K, R>> {
    return this.build({ type: "aggregate" }, "aggregate", { aggregate: fn }, options);
  }
  /**
   * Call `fn` with all of a window's records when it fires; emit anything through `out`.
   * @example
   * keyed.window(w).process(({ key, window }, items, out) => out.collect(`${key}: ${items.length}`));
   */
  process<R>(fn: ProcessWindowFunction<K, T, R>, options?: OperatorOptions): DataStream<R> {
    return this.build({ type: "process" }, "process", { process: fn }, options);
  }
}
