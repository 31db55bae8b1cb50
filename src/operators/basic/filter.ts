/**
 * @module operators/basic/filter
 * filter: keeps the records for which the predicate is true. Emits nothing for an empty result.
 */
import { RecordProcessingFailure, type Operator, type Output, type RecordBatch } from "../../core/index.ts";

export class FilterOperator<T> implements Operator<T, T> {
  constructor(private readonly predicate: (value: T) => boolean) {}

  processBatch(batch: RecordBatch<T>, out: Output<T>): void {
    const predicate = this.predicate;
    const input = batch.values;
    const ts = batch.timestamps;
    const n = input.length;
    const values: T[] = [];
    const timestamps: number[] = [];
    let i = 0;
    try {
      for (; i < n; i++) {
        const v = input[i]!;
        if (predicate(v)) {
          values.push(v);
          timestamps.push(ts[i]!);
        }
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (values.length === n) out.emit(batch);
    else if (values.length > 0) out.emit({ values, timestamps });
  }
}
