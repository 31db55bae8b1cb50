/**
 * @module operators/sql
 * The runtime side of SQL: the plan IR (ir.ts), the expression compiler, and the operators SQL plans
 * use (`sql:calc`, `sql:window-tvf`, `sql:group-agg`, `sql:window-rank`, `sql:window-join`, plus the `{ type: "sql" }` window aggregate).
 * The factories here build them from plan nodes; registry.ts maps the kinds to them.
 */
import type { PlanNode } from "../../plan/index.ts";
import { createKeySelector } from "../key-selector.ts";
import type { Fns } from "../user-function.ts";
import { CalcOperator } from "./calc-operator.ts";
import { GroupAggOperator } from "./group-agg-operator.ts";
import type { CalcConfig, GroupAggConfig, WindowTvfConfig } from "./ir.ts";
import { WindowTvfOperator } from "./window-tvf-operator.ts";

export * from "./ir.ts";
export { compileExpression, compilePredicate, compileProjection, SqlExecutionError, type Row } from "./expression-compiler.ts";
export { SqlAggregateFunction, createSqlWindowAggregate, type SqlAccumulator } from "./sql-aggregates.ts";
export { CalcOperator } from "./calc-operator.ts";
export { GroupAggOperator, GROUP_AGG_STATE } from "./group-agg-operator.ts";
export { WindowTvfOperator } from "./window-tvf-operator.ts";
export { createWindowRankOperator, WindowRankOperator } from "./window-rank-operator.ts";
export { createWindowJoinOperator, WindowJoinOperator } from "./window-join-operator.ts";

export function createCalcOperator(node: PlanNode): CalcOperator {
  return new CalcOperator(node.config as unknown as CalcConfig);
}

export function createWindowTvfOperator(node: PlanNode): WindowTvfOperator {
  return new WindowTvfOperator(node.config as unknown as WindowTvfConfig);
}

export function createGroupAggOperator(node: PlanNode, fns: Fns): GroupAggOperator {
  return new GroupAggOperator(createKeySelector(node, fns), node.config as unknown as GroupAggConfig);
}
