/**
 * @module operators/basic/identity
 * Passes batches through untouched: the operator behind union() and explicit repartitioning
 * (rebalance, broadcast, forward) nodes.
 */
import type { Operator, Output, RecordBatch } from "../../core/index.ts";

export class IdentityOperator<T> implements Operator<T, T> {
  processBatch(batch: RecordBatch<T>, out: Output<T>): void {
    out.emit(batch);
  }
}
