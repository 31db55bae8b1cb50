/**
 * @module operators/sql/group-agg-operator
 * `sql:group-agg`: GROUP BY without a window (Flink's GroupAggFunction), an updating stream. Keyed by
 * the group columns; the key's accumulator (sql-aggregates.ts, plain JSON) lives in keyed ValueState so
 * every state backend checkpoints and restores it. Each input row folds into its key's accumulator
 * and emits the key's new result row, with `$op` "+I" for the key's first row and "+U" after, carrying
 * the input row's timestamp. A GROUP BY without aggregates (SELECT DISTINCT) emits only the "+I" of
 * each new key: its result never changes, so an update would repeat it. One loop per batch, one
 * emitted batch.
 */
import { RecordProcessingFailure } from "../../core/index.ts";
import type { Operator, OperatorContext, Output, RecordBatch, ValueState } from "../../core/index.ts";
import type { KeySelector } from "../key-selector.ts";
import type { Row } from "./expression-compiler.ts";
import { OP_COLUMN, type GroupAggConfig } from "./ir.ts";
import { SqlAggregateFunction, type SqlAccumulator } from "./sql-aggregates.ts";

/** Name of the keyed ValueState holding each group's accumulator. */
export const GROUP_AGG_STATE = "sql-group-agg";

export class GroupAggOperator implements Operator<Row, Row> {
  private readonly aggregate: SqlAggregateFunction;
  private state!: ValueState<SqlAccumulator>;
  private setKey!: (key: unknown) => void;
  /** No aggregates: a key's result is fixed by its first row. */
  private readonly distinctOnly: boolean;

  constructor(
    private readonly keyOf: KeySelector<Row>,
    config: GroupAggConfig,
  ) {
    this.aggregate = new SqlAggregateFunction(config);
    this.distinctOnly = config.aggregates.length === 0;
  }

  open(ctx: OperatorContext): void {
    const store = ctx.keyedState();
    this.state = store.getValueState<SqlAccumulator>({ kind: "value", name: GROUP_AGG_STATE });
    this.setKey = (k) => store.setCurrentKey(k);
  }

  processBatch(batch: RecordBatch<Row>, out: Output<Row>): void {
    const { keyOf, aggregate, state, setKey, distinctOnly } = this;
    const { values, timestamps } = batch;
    const n = values.length;
    let result = new Array<Row>(n);
    let resultTimestamps = timestamps;
    let emitted = 0;
    let i = 0;
    try {
      for (; i < n; i++) {
        const row = values[i]!;
        setKey(keyOf(row));
        const current = state.value();
        if (distinctOnly && current !== undefined) continue;
        const acc = aggregate.add(row, current === undefined ? aggregate.createAccumulator() : current);
        state.update(acc);
        const output = aggregate.getResult(acc);
        output[OP_COLUMN] = current === undefined ? "+I" : "+U";
        result[i] = output;
        emitted++;
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (emitted === 0) return;
    if (emitted < n) {
      // only DISTINCT skips rows: compact the results and their timestamps
      const kept: Row[] = [];
      const keptTimestamps: number[] = [];
      for (let j = 0; j < n; j++) {
        if (result[j] !== undefined) {
          kept.push(result[j]!);
          keptTimestamps.push(timestamps[j]!);
        }
      }
      result = kept;
      resultTimestamps = keptTimestamps;
    }
    out.emit({ values: result, timestamps: resultTimestamps });
  }
}
