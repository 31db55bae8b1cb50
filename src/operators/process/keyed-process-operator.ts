/**
 * @module operators/process/keyed-process-operator
 * Runs a KeyedProcessFunction: sets the current key before every record and timer, so the function's
 * state handles and timers are scoped to that key.
 */
import { NO_TIMESTAMP, RecordProcessingFailure } from "../../core/index.ts";
import type { KeyedStateStore, Operator, OperatorContext, Output, OutputTag, RecordBatch, TimerService } from "../../core/index.ts";
import { BatchCollector } from "../collector.ts";
import type { KeySelector } from "../key-selector.ts";
import type { KeyedProcessFunction, OnTimerContext } from "./functions.ts";
import { createKeyedRuntimeContext } from "./keyed-runtime-context.ts";

type MutableContext<K> = { -readonly [P in keyof OnTimerContext<K>]: OnTimerContext<K>[P] };

export class KeyedProcessOperator<K, I, O> implements Operator<I, O> {
  private readonly collector = new BatchCollector<O>();
  private store!: KeyedStateStore;
  private context!: MutableContext<K>;

  constructor(
    private readonly keyOf: KeySelector<I, K>,
    private readonly fn: KeyedProcessFunction<K, I, O>,
  ) {}

  open(ctx: OperatorContext): void {
    this.store = ctx.keyedState();
    const timers: TimerService = ctx.timerService();
    const collector = this.collector;
    this.context = {
      key: undefined as K,
      timestamp: undefined,
      timeDomain: "event-time",
      timerService: timers,
      currentWatermark: () => timers.currentWatermark(),
      output: <X>(tag: OutputTag<X>, value: X) => collector.side(tag, value),
    };
    this.fn.open?.(createKeyedRuntimeContext(ctx));
  }

  processBatch(batch: RecordBatch<I>, out: Output<O>): void {
    const { values, timestamps } = batch;
    const { fn, keyOf, store, context: ctx, collector } = this;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const v = values[i]!;
        const key = keyOf(v);
        store.setCurrentKey(key);
        const t = timestamps[i]!;
        ctx.key = key;
        ctx.timestamp = t === NO_TIMESTAMP ? undefined : t;
        collector.timestamp = t;
        fn.processElement(v, ctx, collector);
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    collector.flush(out);
  }

  private fire(key: unknown, timestamp: number, domain: OnTimerContext<K>["timeDomain"], _out: Output<O>): void {
    const onTimer = this.fn.onTimer;
    if (onTimer === undefined) return;
    const ctx = this.context;
    ctx.key = key as K;
    ctx.timestamp = timestamp;
    ctx.timeDomain = domain;
    this.collector.timestamp = timestamp;
    onTimer.call(this.fn, timestamp, ctx, this.collector);
    // Timers fire in rounds: output is flushed once per round, in processWatermark (event time) or
    // afterProcessingTimers (processing time).
  }

  afterProcessingTimers(out: Output<O>): void {
    this.collector.flush(out);
  }

  processWatermark(timestamp: number, out: Output<O>): void {
    this.collector.flush(out);
    out.emitWatermark(timestamp);
  }

  endInput(out: Output<O>): void {
    this.collector.flush(out);
  }

  onEventTimeTimer(key: unknown, timestamp: number, out: Output<O>): void {
    this.fire(key, timestamp, "event-time", out);
  }

  onProcessingTimeTimer(key: unknown, timestamp: number, out: Output<O>): void {
    this.fire(key, timestamp, "processing-time", out);
  }

  close(): void {
    this.fn.close?.();
  }
}

