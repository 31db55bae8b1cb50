/**
 * @module operators/registry
 * Operator kinds -> factories. The runtime instantiates a plan node's operator here from the node's
 * JSON config and its user functions; both front ends name the same kinds.
 */
import { PlanError, type Operator } from "../core/index.ts";
import type { PlanNode } from "../plan/index.ts";
import { FilterOperator } from "./basic/filter.ts";
import { FlatMapOperator } from "./basic/flat-map.ts";
import { IdentityOperator } from "./basic/identity.ts";
import { MapOperator } from "./basic/map.ts";
import { createKeySelector } from "./key-selector.ts";
import type { KeyedProcessFunction, ProcessFunction } from "./process/functions.ts";
import { KeyedProcessOperator } from "./process/keyed-process-operator.ts";
import { KeyedReduceOperator } from "./process/keyed-reduce-operator.ts";
import { ProcessOperator } from "./process/process-operator.ts";
import { createCalcOperator, createGroupAggOperator, createSqlWindowAggregate, createWindowJoinOperator, createWindowRankOperator, createWindowTvfOperator } from "./sql/index.ts";
import { requireFunction, requireObject, type Fns } from "./user-function.ts";
import { createAggregate, type AggregateFunction, type AggregateSpec } from "./window/aggregates.ts";
import type { WindowAssignerSpec } from "./window/assigners.ts";
import { canSlice, SlicedWindowOperator } from "./window/sliced-window-operator.ts";
import { AlignedWindowOperator, SessionWindowOperator, type ProcessWindowFunction, type WindowOperatorOptions } from "./window/window-operator.ts";

export type AnyOperator = Operator<unknown, unknown>;
export type OperatorFactory = (node: PlanNode, fns: Fns) => AnyOperator;

/** JSON config of a "window" node. */
export interface WindowNodeConfig {
  readonly assigner: WindowAssignerSpec;
  readonly allowedLatenessMs: number;
  readonly lateOutputTag: string | null;
  readonly aggregate: AggregateSpec;
}

function windowOperator(node: PlanNode, fns: Fns): AnyOperator {
  const config = node.config as unknown as WindowNodeConfig;
  // SQL window aggregation emits flat rows (group columns, window bounds, aggregates), not WindowResults.
  const sql = config.aggregate.type === "sql" ? createSqlWindowAggregate(config.aggregate) : null;
  const options: WindowOperatorOptions = {
    assigner: config.assigner,
    allowedLatenessMs: config.allowedLatenessMs,
    lateOutputTag: config.lateOutputTag,
    keyOf: createKeySelector(node, fns),
    aggregate: sql === null ? createAggregate(config.aggregate, fns) : (sql.aggregate as AggregateFunction<unknown, unknown, unknown>),
    ...(sql === null ? {} : { result: sql.result }),
    ...(config.aggregate.type === "process"
      ? { process: requireFunction<ProcessWindowFunction<unknown, unknown, unknown>>(node, fns, "process") }
      : {}),
  };
  if (config.assigner.type === "session") return new SessionWindowOperator(options);
  return canSlice(options) ? new SlicedWindowOperator(options) : new AlignedWindowOperator(options);
}

const FACTORIES = new Map<string, OperatorFactory>([
  ["map", (node, fns) => new MapOperator(requireFunction(node, fns, "fn"))],
  ["filter", (node, fns) => new FilterOperator(requireFunction(node, fns, "fn"))],
  ["flatMap", (node, fns) => new FlatMapOperator(requireFunction(node, fns, "fn"))],
  ["identity", () => new IdentityOperator()],
  ["process", (node, fns) => new ProcessOperator(requireObject<ProcessFunction<unknown, unknown>>(node, fns, "fn"))],
  [
    "keyed-process",
    (node, fns) => new KeyedProcessOperator(createKeySelector(node, fns), requireObject<KeyedProcessFunction<unknown, unknown, unknown>>(node, fns, "fn")),
  ],
  ["keyed-reduce", (node, fns) => new KeyedReduceOperator(createKeySelector(node, fns), requireFunction(node, fns, "fn"))],
  ["window", windowOperator],
  ["sql:calc", createCalcOperator],
  ["sql:window-tvf", createWindowTvfOperator],
  ["sql:group-agg", createGroupAggOperator],
  ["sql:window-rank", createWindowRankOperator],
  ["sql:window-join", createWindowJoinOperator],
]);

/** Register an operator kind (SQL and connectors add theirs). */
export function registerOperator(kind: string, factory: OperatorFactory): void {
  FACTORIES.set(kind, factory);
}

export function hasOperator(kind: string): boolean {
  return FACTORIES.has(kind);
}

export function createOperator(node: PlanNode, fns: Fns): AnyOperator {
  const factory = FACTORIES.get(node.kind);
  if (factory === undefined) throw new PlanError(`unknown operator kind '${node.kind}' for node '${node.name}' (${node.id})`);
  return factory(node, fns);
}
