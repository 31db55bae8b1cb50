/**
 * @module operators/sql/group-agg-operator
 * `sql:group-agg`: GROUP BY without a window (Flink's GroupAggFunction), an updating stream. Keyed by
 * the group columns; the key's accumulator (sql-aggregates.ts, plain JSON) lives in keyed ValueState so
 * every state backend checkpoints and restores it. Each input row folds into its key's accumulator
 * and emits the key's new result row, with `$op` "+I" for the key's first row and "+U" after, carrying
 * the input row's timestamp. One loop per batch, one emitted batch.
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

  constructor(
    private readonly keyOf: KeySelector<Row>,
    config: GroupAggConfig,
  ) {
    this.aggregate = new SqlAggregateFunction(config);
  }

  open(ctx: OperatorContext): void {
    const store = ctx.keyedState();
    this.state = store.getValueState<SqlAccumulator>({ kind: "value", name: GROUP_AGG_STATE });
    this.setKey = (k) => store.setCurrentKey(k);
  }

  processBatch(batch: RecordBatch<Row>, out: Output<Row>): void {
    const { keyOf, aggregate, state, setKey } = this;
    const values = batch.values;
    const n = values.length;
    const result = new Array<Row>(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        const row = values[i]!;
        setKey(keyOf(row));
        const current = state.value();
        const acc = aggregate.add(row, current === undefined ? aggregate.createAccumulator() : current);
        state.update(acc);
        const output = aggregate.getResult(acc);
        output[OP_COLUMN] = current === undefined ? "+I" : "+U";
        result[i] = output;
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    out.emit({ values: result, timestamps: batch.timestamps });
  }
}
