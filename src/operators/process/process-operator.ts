/**
 * @module operators/process/process-operator
 * Runs a ProcessFunction over a non-keyed stream: one call per record, outputs collected into one batch.
 */
import { NO_TIMESTAMP, RecordProcessingFailure } from "../../core/index.ts";
import type { Operator, OperatorContext, Output, OutputTag, RecordBatch, TimerService } from "../../core/index.ts";
import { BatchCollector } from "../collector.ts";
import type { ProcessContext, ProcessFunction } from "./functions.ts";

export class ProcessOperator<I, O> implements Operator<I, O> {
  private readonly collector = new BatchCollector<O>();
  private timers: TimerService | undefined;
  private readonly context: ProcessContext & { timestamp: number | undefined };

  constructor(private readonly fn: ProcessFunction<I, O>) {
    const collector = this.collector;
    this.context = {
      timestamp: undefined,
      currentWatermark: () => this.timers?.currentWatermark() ?? Number.NEGATIVE_INFINITY,
      output: <X>(tag: OutputTag<X>, value: X) => collector.side(tag, value),
    };
  }

  open(ctx: OperatorContext): void {
    this.timers = ctx.timerService();
    this.fn.open?.({ operatorName: ctx.location.operatorName, subtaskIndex: ctx.location.subtaskIndex, parallelism: ctx.location.parallelism });
  }

  processBatch(batch: RecordBatch<I>, out: Output<O>): void {
    const { values, timestamps } = batch;
    const fn = this.fn;
    const ctx = this.context;
    const collector = this.collector;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const t = timestamps[i]!;
        ctx.timestamp = t === NO_TIMESTAMP ? undefined : t;
        collector.timestamp = t;
        fn.processElement(values[i]!, ctx, collector);
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    collector.flush(out);
  }

  close(): void {
    this.fn.close?.();
  }
}
