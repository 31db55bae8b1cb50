/**
 * @module runtime/testing/operator-harness
 * Drives one operator without a job: push records and watermarks, fire processing-time timers by hand,
 * and read back what it emitted (main output, side outputs, watermarks), in order. Keyed operators get
 * a memory keyed state store and a timer service exactly as in a task.
 */
import { keyGroupRangeFor, MetricGroup, NO_TIMESTAMP } from "../../core/index.ts";
import type { Operator, OperatorContext, Output, RecordBatch } from "../../core/index.ts";
import { MemoryKeyedStateBackend } from "../../state/index.ts";
import { KeyedTimerService } from "../time/timer-service.ts";

export interface HarnessOptions {
  /** Give the operator keyed state and keyed timers (default true). */
  readonly keyed?: boolean;
  readonly subtaskIndex?: number;
  readonly parallelism?: number;
  readonly maxParallelism?: number;
  readonly name?: string;
}

export type Emitted<O> =
  | { kind: "record"; value: O; timestamp: number }
  | { kind: "side"; tag: string; value: unknown; timestamp: number }
  | { kind: "watermark"; timestamp: number };

export class OperatorHarness<I, O> {
  readonly emitted: Emitted<O>[] = [];
  readonly metrics = new MetricGroup({ harness: 1 });
  readonly timers: KeyedTimerService;
  /** Processing-time timers the operator asked for. */
  readonly scheduled: number[] = [];
  private readonly output: Output<O>;

  constructor(
    readonly operator: Operator<I, O>,
    options: HarnessOptions = {},
  ) {
    const subtaskIndex = options.subtaskIndex ?? 0;
    const parallelism = options.parallelism ?? 1;
    const maxParallelism = options.maxParallelism ?? 128;
    const store =
      options.keyed === false
        ? null
        : new MemoryKeyedStateBackend({ operatorId: "harness", keyGroupRange: keyGroupRangeFor(subtaskIndex, parallelism, maxParallelism), maxParallelism });
    this.timers = new KeyedTimerService(store, (ts) => this.scheduled.push(ts), options.name ?? "harness");
    const emitted = this.emitted;
    this.output = {
      emit: (batch) => batch.values.forEach((value, i) => emitted.push({ kind: "record", value, timestamp: batch.timestamps[i]! })),
      emitSide: (tag, batch) => batch.values.forEach((value, i) => emitted.push({ kind: "side", tag, value, timestamp: batch.timestamps[i]! })),
      emitWatermark: (timestamp) => emitted.push({ kind: "watermark", timestamp }),
    };
    const context: OperatorContext = {
      location: { operatorId: "harness", operatorName: options.name ?? "harness", subtaskIndex, parallelism },
      maxParallelism,
      metrics: this.metrics,
      keyedState: () => {
        if (store === null) throw new Error("harness operator is not keyed");
        return store;
      },
      timerService: () => this.timers,
    };
    operator.open?.(context);
  }

  /** Push one batch of records; `timestamps` default to NO_TIMESTAMP. */
  processBatch(values: I[], timestamps?: number[]): this {
    const batch: RecordBatch<I> = { values, timestamps: timestamps ?? values.map(() => NO_TIMESTAMP) };
    this.operator.processBatch(batch, this.output);
    return this;
  }

  /** Push records one batch each, as [value, timestamp] pairs. */
  processRecords(records: [I, number][]): this {
    for (const [v, t] of records) this.processBatch([v], [t]);
    return this;
  }

  processWatermark(timestamp: number): this {
    this.timers.advanceWatermark(timestamp, (key, ts) => this.operator.onEventTimeTimer?.(key, ts, this.output));
    if (this.operator.processWatermark) this.operator.processWatermark(timestamp, this.output);
    else this.output.emitWatermark(timestamp);
    return this;
  }

  advanceProcessingTime(now: number): this {
    this.timers.advanceProcessingTime(now, (key, ts) => this.operator.onProcessingTimeTimer?.(key, ts, this.output));
    return this;
  }

  endInput(): this {
    this.operator.endInput?.(this.output);
    this.operator.close?.();
    return this;
  }

  /** Main-output records emitted so far. */
  records(): O[] {
    return this.emitted.flatMap((e) => (e.kind === "record" ? [e.value] : []));
  }

  sideOutput(tag: string): unknown[] {
    return this.emitted.flatMap((e) => (e.kind === "side" && e.tag === tag ? [e.value] : []));
  }

  watermarks(): number[] {
    return this.emitted.flatMap((e) => (e.kind === "watermark" ? [e.timestamp] : []));
  }
}
