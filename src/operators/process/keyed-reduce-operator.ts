/**
 * @module operators/process/keyed-reduce-operator
 * Rolling reduce on a keyed stream: folds every record into its key's current value and emits the
 * updated value (Flink's KeyedStream.reduce).
 */
import { RecordProcessingFailure } from "../../core/index.ts";
import type { Operator, OperatorContext, Output, RecordBatch, ValueState } from "../../core/index.ts";
import type { KeySelector } from "../key-selector.ts";

export class KeyedReduceOperator<T> implements Operator<T, T> {
  private state!: ValueState<T>;
  private setKey!: (key: unknown) => void;

  constructor(
    private readonly keyOf: KeySelector<T>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}

  open(ctx: OperatorContext): void {
    const store = ctx.keyedState();
    this.state = store.getValueState<T>({ kind: "value", name: "reduce-value" });
    this.setKey = (k) => store.setCurrentKey(k);
  }

  processBatch(batch: RecordBatch<T>, out: Output<T>): void {
    const { values } = batch;
    const { keyOf, reduce, state, setKey } = this;
    const result = new Array<T>(values.length);
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const v = values[i]!;
        setKey(keyOf(v));
        const current = state.value();
        const next = current === undefined ? v : reduce(current, v);
        state.update(next);
        result[i] = next;
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    out.emit({ values: result, timestamps: batch.timestamps });
  }
}
