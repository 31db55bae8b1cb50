/**
 * @module operators/basic/flat-map
 * flatMap: zero or more outputs per input; the function returns any iterable (an array is fastest).
 * Every output keeps the event time of the record it came from.
 */
import { RecordProcessingFailure, type Operator, type Output, type RecordBatch } from "../../core/index.ts";

export class FlatMapOperator<I, O> implements Operator<I, O> {
  constructor(private readonly fn: (value: I) => Iterable<O>) {}

  processBatch(batch: RecordBatch<I>, out: Output<O>): void {
    const fn = this.fn;
    const input = batch.values;
    const ts = batch.timestamps;
    const values: O[] = [];
    const timestamps: number[] = [];
    let i = 0;
    try {
      for (; i < input.length; i++) {
        const produced = fn(input[i]!);
        const t = ts[i]!;
        if (Array.isArray(produced)) {
          for (let j = 0; j < produced.length; j++) {
            values.push(produced[j] as O);
            timestamps.push(t);
          }
        } else {
          for (const v of produced) {
            values.push(v);
            timestamps.push(t);
          }
        }
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (values.length > 0) out.emit({ values, timestamps });
  }
}
