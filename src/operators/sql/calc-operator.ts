/**
 * @module operators/sql/calc-operator
 * `sql:calc`: the chained filter + projection of an SQL query (Flink's Calc). Per batch, one loop keeps
 * the rows whose filter is TRUE and builds each kept row's output with one compiled function; kept rows
 * keep their timestamps. No filter shares the timestamps array; no projection passes rows through.
 * With `updating`, the projection copies the `$op` change kind of the input row.
 */
import { RecordProcessingFailure } from "../../core/index.ts";
import type { Operator, Output, RecordBatch } from "../../core/index.ts";
import { compilePredicate, compileProjection, type Row } from "./expression-compiler.ts";
import type { CalcConfig } from "./ir.ts";

export class CalcOperator implements Operator<Row, Row> {
  private readonly filter: ((row: Row) => boolean) | null;
  private readonly project: ((row: Row) => Row) | null;

  constructor(config: CalcConfig) {
    this.filter = config.filter === null ? null : compilePredicate(config.filter);
    this.project = config.projection === null ? null : compileProjection(config.projection, config.updating);
  }

  processBatch(batch: RecordBatch<Row>, out: Output<Row>): void {
    const { filter, project } = this;
    if (filter === null && project === null) {
      out.emit(batch);
      return;
    }
    const input = batch.values;
    const n = input.length;
    const timestamps = batch.timestamps;
    let result: Row[];
    let kept = timestamps;
    let i = 0;
    // One try around the loop (never per record); emits stay outside so a downstream failure is not
    // blamed on this operator's record index.
    try {
      if (filter === null) {
        result = new Array<Row>(n);
        for (; i < n; i++) result[i] = project!(input[i]!);
      } else {
        result = [];
        kept = [];
        for (; i < n; i++) {
          const row = input[i]!;
          if (filter(row)) {
            result.push(project === null ? row : project(row));
            kept.push(timestamps[i]!);
          }
        }
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (result.length > 0) out.emit({ values: result, timestamps: kept });
  }
}
