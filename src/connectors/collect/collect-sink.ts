/**
 * @module connectors/collect/collect-sink
 * Hands every batch to a callback in the same process (`stream.collect()`, `sinkTo(...)` with a plain
 * function). For tests and small jobs.
 */
import type { Operator, OperatorContext, Output, RecordBatch } from "../../core/index.ts";

export class CallbackSink<T> implements Operator<T, never> {
  constructor(private readonly onBatch: (values: readonly T[], timestamps: readonly number[]) => void) {}

  processBatch(batch: RecordBatch<T>, _out: Output<never>): void {
    this.onBatch(batch.values, batch.timestamps);
  }
}

/** A user sink: called per batch, with optional lifecycle hooks. */
export interface SinkFunction<T> {
  open?(context: { readonly subtaskIndex: number; readonly parallelism: number }): void;
  /** Receives the records of one batch, in order. */
  writeBatch(values: readonly T[]): void;
  close?(): void;
}

export class FunctionSink<T> implements Operator<T, never> {
  constructor(private readonly sink: SinkFunction<T>) {}

  open(ctx: OperatorContext): void {
    this.sink.open?.({ subtaskIndex: ctx.location.subtaskIndex, parallelism: ctx.location.parallelism });
  }

  processBatch(batch: RecordBatch<T>, _out: Output<never>): void {
    this.sink.writeBatch(batch.values);
  }

  close(): void {
    this.sink.close?.();
  }
}
