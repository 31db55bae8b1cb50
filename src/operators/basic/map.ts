/**
 * @module operators/basic/map
 * map: one output per input record. The timestamps array passes through unchanged (shared, not copied).
 */
import { RecordProcessingFailure, type Operator, type Output, type RecordBatch } from "../../core/index.ts";

export class MapOperator<I, O> implements Operator<I, O> {
  constructor(private readonly fn: (value: I) => O) {}

  processBatch(batch: RecordBatch<I>, out: Output<O>): void {
    const fn = this.fn;
    const input = batch.values;
    const n = input.length;
    const result = new Array<O>(n);
    let i = 0;
    try {
      for (; i < n; i++) result[i] = fn(input[i]!);
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    out.emit({ values: result, timestamps: batch.timestamps });
  }
}
