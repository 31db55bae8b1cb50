/**
 * @module runtime/task/downstream
 * What an operator's output feeds: a chained operator in the same task, or a RecordWriter to another
 * task. Both take batches, watermarks, idleness changes and end of input.
 */
import type { RecordBatch } from "../../core/index.ts";

export interface Downstream {
  processBatch(batch: RecordBatch<unknown>): void;
  processWatermark(timestamp: number): void;
  processStatus(idle: boolean): void;
  endInput(): void;
}
