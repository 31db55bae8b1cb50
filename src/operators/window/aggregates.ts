/**
 * @module operators/window/aggregates
 * AggregateFunction (Flink's incremental aggregation contract) and the built-in aggregations behind
 * sum/count/min/max/minBy/maxBy/reduce, plus the element-collecting one behind process().
 * Accumulators are plain data so any state backend can store them. `{ type: "sql" }` is SQL's GROUP BY
 * aggregation (sql/sql-aggregates.ts).
 */
import { PlanError } from "../../core/index.ts";
import type { SqlWindowAggregateSpec } from "../sql/ir.ts";
import { SqlAggregateFunction } from "../sql/sql-aggregates.ts";
import { instantiate } from "../user-function.ts";

/** Incremental aggregation: `add` folds one value in, `merge` joins two accumulators (session merging). */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
  /**
   * True when `merge` gives exactly what adding the merged records one by one to a single accumulator
   * would (no float rounding in another order, no DISTINCT sets to copy) and leaves its inputs
   * untouched. Sliding windows may then keep one accumulator per slide-long slice and merge slices when
   * a window fires (sliced-window-operator.ts) instead of updating size/slide windows per record.
   */
  readonly mergesExactly?: boolean;
}

export type AggregateSpec =
  | { readonly type: "sum" | "min" | "max" | "minBy" | "maxBy"; readonly field: string }
  | { readonly type: "count" }
  | { readonly type: "reduce" }
  | { readonly type: "aggregate" }
  | { readonly type: "process" }
  | SqlWindowAggregateSpec;

type Rec = Record<string, unknown>;
type Any = AggregateFunction<unknown, unknown, unknown>;

function numberField(field: string): (v: unknown) => number {
  return (v) => {
    const x = (v as Rec)[field];
    if (typeof x !== "number") throw new TypeError(`field '${field}' is ${x === undefined ? "missing" : `a ${typeof x}`}, expected a number`);
    return x;
  };
}

function byField(field: string, better: (a: number, b: number) => boolean): Any {
  const get = numberField(field);
  return {
    createAccumulator: () => null,
    add: (v, acc) => (acc === null || better(get(v), get(acc)) ? v : acc),
    getResult: (acc) => acc,
    merge: (a, b) => (a === null ? b : b === null ? a : better(get(b), get(a)) ? b : a),
  };
}

/** Reduce keeps its value in a one-slot array so "no value yet" needs no sentinel. */
export function reduceAggregate<T>(reduce: (a: T, b: T) => T): AggregateFunction<T, T[], T> {
  return {
    createAccumulator: () => [],
    add: (v, acc) => {
      acc[0] = acc.length === 0 ? v : reduce(acc[0]!, v);
      return acc;
    },
    getResult: (acc) => acc[0]!,
    merge: (a, b) => (a.length === 0 ? b : b.length === 0 ? a : [reduce(a[0]!, b[0]!)]),
  };
}

/** Collects every element (for process window functions, which need them all). */
export function collectAggregate<T>(): AggregateFunction<T, T[], T[]> {
  return {
    createAccumulator: () => [],
    add: (v, acc) => {
      acc.push(v);
      return acc;
    },
    getResult: (acc) => acc,
    merge: (a, b) => a.concat(b),
  };
}

/** The aggregate function for a spec; `udf` supplies the user's reduce function or AggregateFunction. */
export function createAggregate(spec: AggregateSpec, udf: { reduce?: unknown; aggregate?: unknown }): Any {
  switch (spec.type) {
    case "sum": {
      const get = numberField(spec.field);
      return { createAccumulator: () => 0, add: (v, acc) => (acc as number) + get(v), getResult: (a) => a, merge: (a, b) => (a as number) + (b as number) };
    }
    case "count":
      return { createAccumulator: () => 0, add: (_v, acc) => (acc as number) + 1, getResult: (a) => a, merge: (a, b) => (a as number) + (b as number), mergesExactly: true };
    case "min": {
      const get = numberField(spec.field);
      return { createAccumulator: () => Infinity, add: (v, acc) => Math.min(acc as number, get(v)), getResult: (a) => a, merge: (a, b) => Math.min(a as number, b as number), mergesExactly: true };
    }
    case "max": {
      const get = numberField(spec.field);
      return { createAccumulator: () => -Infinity, add: (v, acc) => Math.max(acc as number, get(v)), getResult: (a) => a, merge: (a, b) => Math.max(a as number, b as number), mergesExactly: true };
    }
    case "minBy":
      return byField(spec.field, (a, b) => a < b);
    case "maxBy":
      return byField(spec.field, (a, b) => a > b);
    case "reduce":
      if (typeof udf.reduce !== "function") throw new PlanError("window reduce() needs a reduce function");
      return reduceAggregate(udf.reduce as (a: unknown, b: unknown) => unknown) as Any;
    case "aggregate":
      if (udf.aggregate === null || typeof udf.aggregate !== "object") throw new PlanError("window aggregate() needs an AggregateFunction");
      return instantiate(udf.aggregate as Any);
    case "process":
      return collectAggregate() as Any;
    case "sql":
      return new SqlAggregateFunction(spec) as Any;
  }
}
