/**
 * Tests of the SQL operators built from plan nodes through the registry and driven by the
 * OperatorHarness: sql:calc, sql:window-tvf, sql:group-agg and `window` with the `{ type: "sql" }`
 * aggregate (tumbling and session, with merging). Expected values are computed by hand.
 */
import { describe, expect, test } from "bun:test";
import { NO_TIMESTAMP, RecordProcessingFailure, type Operator } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { OperatorHarness } from "../../runtime/testing/operator-harness.ts";
import { createOperator } from "../registry.ts";
import type { Row } from "./expression-compiler.ts";
import type { AggregateCall, CalcConfig, Expr, GroupAggConfig, SqlType, SqlWindowAggregateSpec, WindowTvfConfig } from "./ir.ts";
import { SqlAggregateFunction } from "./sql-aggregates.ts";

const col = (name: string, type: SqlType = "BIGINT"): Expr => ({ k: "col", name, type, nullable: true });
const lit = (value: number | string): Expr => ({ k: "lit", value, type: typeof value === "number" ? "BIGINT" : "VARCHAR" });
const call = (fn: string, args: Expr[], type: SqlType = "BIGINT"): Expr => ({ k: "call", fn, args, type, nullable: true });
const agg = (fn: AggregateCall["fn"], name: string, arg: Expr | null = null, distinct = false, type: SqlType = "BIGINT"): AggregateCall => ({ fn, arg, distinct, name, type });

function harness(kind: string, config: object, key?: readonly string[], keyed = key !== undefined): OperatorHarness<Row, Row> {
  const node: PlanNode = {
    id: `${kind}-1`,
    kind,
    name: kind,
    parallelism: 1,
    ...(key === undefined ? {} : { key: { type: "fields" as const, fields: [...key] } }),
    config: config as PlanNode["config"],
  };
  return new OperatorHarness<Row, Row>(createOperator(node, {}) as Operator<Row, Row>, { keyed });
}

describe("sql:calc", () => {
  const config: CalcConfig = {
    filter: call("gt", [col("price"), lit(10)], "BOOLEAN"),
    projection: [
      { name: "id", expr: col("id") },
      { name: "double_price", expr: call("mul", [col("price"), lit(2)]) },
    ],
    updating: false,
  };

  test("filters then projects, keeping the timestamps of kept rows", () => {
    const h = harness("sql:calc", config);
    h.processBatch([{ id: 1, price: 5 }, { id: 2, price: 20 }, { id: 3, price: null }, { id: 4, price: 11 }], [100, 200, 300, 400]);
    expect(h.emitted).toEqual([
      { kind: "record", value: { id: 2, double_price: 40 }, timestamp: 200 },
      { kind: "record", value: { id: 4, double_price: 22 }, timestamp: 400 },
    ]);
  });

  test("no filter, no projection, and $op copying when updating", () => {
    const passThrough = harness("sql:calc", { filter: null, projection: null, updating: true });
    passThrough.processBatch([{ a: 1, $op: "+I" }], [1]);
    expect(passThrough.records()).toEqual([{ a: 1, $op: "+I" }]);
    const project = harness("sql:calc", { filter: null, projection: [{ name: "b", expr: call("add", [col("a"), lit(1)]) }], updating: true });
    project.processBatch([{ a: 1, $op: "+I" }, { a: 2, $op: "+U" }], [1, 2]);
    expect(project.records()).toEqual([{ b: 2, $op: "+I" }, { b: 3, $op: "+U" }]);
    const filterOnly = harness("sql:calc", { filter: call("eq", [col("a"), lit(2)], "BOOLEAN"), projection: null, updating: false });
    filterOnly.processBatch([{ a: 1 }, { a: 2 }], [1, 2]);
    expect(filterOnly.emitted).toEqual([{ kind: "record", value: { a: 2 }, timestamp: 2 }]);
  });

  test("a failing record is reported with its index in the batch", () => {
    const h = harness("sql:calc", { filter: null, projection: [{ name: "q", expr: call("div", [lit(1), col("d")]) }], updating: false });
    let failure: unknown;
    try {
      h.processBatch([{ d: 1 }, { d: 0 }], [1, 2]);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(RecordProcessingFailure);
    expect((failure as RecordProcessingFailure).indexInBatch).toBe(1);
    expect((failure as Error).message).toMatch(/division by zero/);
  });
});

describe("sql:window-tvf", () => {
  test("tumbling: one copy with the window columns, stamped with its window_time", () => {
    const config: WindowTvfConfig = { window: { type: "tumbling", sizeMs: 10 } };
    const h = harness("sql:window-tvf", config);
    h.processBatch([{ a: 1 }, { a: 2 }, { a: 3 }], [0, 9, -1]);
    expect(h.emitted).toEqual([
      { kind: "record", value: { a: 1, window_start: 0, window_end: 10, window_time: 9 }, timestamp: 9 },
      { kind: "record", value: { a: 2, window_start: 0, window_end: 10, window_time: 9 }, timestamp: 9 },
      { kind: "record", value: { a: 3, window_start: -10, window_end: 0, window_time: -1 }, timestamp: -1 },
    ]);
  });

  test("sliding (HOP): one copy per window, ascending", () => {
    const h = harness("sql:window-tvf", { window: { type: "sliding", sizeMs: 10, slideMs: 5 } } satisfies WindowTvfConfig);
    h.processBatch([{ a: 1 }], [12]);
    expect(h.records()).toEqual([
      { a: 1, window_start: 5, window_end: 15, window_time: 14 },
      { a: 1, window_start: 10, window_end: 20, window_time: 19 },
    ]);
    const odd = harness("sql:window-tvf", { window: { type: "sliding", sizeMs: 10, slideMs: 3 } } satisfies WindowTvfConfig);
    odd.processBatch([{ a: 1 }], [10]);
    expect(odd.records().map((r) => r.window_start)).toEqual([3, 6, 9]);
  });

  test("rows without an event time fail clearly", () => {
    const h = harness("sql:window-tvf", { window: { type: "tumbling", sizeMs: 10 } } satisfies WindowTvfConfig);
    expect(() => h.processBatch([{ a: 1 }], [NO_TIMESTAMP])).toThrow(/no event-time timestamp/);
  });
});

const groupSpec: GroupAggConfig = {
  groupBy: [{ name: "k", expr: col("k", "VARCHAR") }],
  aggregates: [
    agg("count_star", "cnt"),
    agg("count", "cnt_v", col("v")),
    agg("sum", "sum_v", col("v")),
    agg("min", "min_v", col("v")),
    agg("max", "max_v", col("v")),
    agg("avg", "avg_v", col("v")),
    agg("count", "distinct_v", col("v"), true),
    agg("sum", "sum_distinct_v", col("v"), true),
  ],
};

describe("sql:group-agg", () => {
  test("emits +I then +U per key with the input timestamps", () => {
    const h = harness("sql:group-agg", groupSpec, ["k"]);
    h.processBatch([{ k: "a", v: 3 }, { k: "b", v: null }, { k: "a", v: 4 }], [10, 20, 30]);
    h.processBatch([{ k: "a", v: 3 }], [40]);
    expect(h.emitted).toEqual([
      { kind: "record", timestamp: 10, value: { k: "a", cnt: 1, cnt_v: 1, sum_v: 3, min_v: 3, max_v: 3, avg_v: 3, distinct_v: 1, sum_distinct_v: 3, $op: "+I" } },
      { kind: "record", timestamp: 20, value: { k: "b", cnt: 1, cnt_v: 0, sum_v: null, min_v: null, max_v: null, avg_v: null, distinct_v: 0, sum_distinct_v: null, $op: "+I" } },
      { kind: "record", timestamp: 30, value: { k: "a", cnt: 2, cnt_v: 2, sum_v: 7, min_v: 3, max_v: 4, avg_v: 3, distinct_v: 2, sum_distinct_v: 7, $op: "+U" } },
      { kind: "record", timestamp: 40, value: { k: "a", cnt: 3, cnt_v: 3, sum_v: 10, min_v: 3, max_v: 4, avg_v: 3, distinct_v: 2, sum_distinct_v: 7, $op: "+U" } },
    ]);
  });

  test("AVG of DOUBLE does not truncate; multi-column keys", () => {
    const h = harness(
      "sql:group-agg",
      { groupBy: [{ name: "a", expr: col("a") }, { name: "b", expr: col("b") }], aggregates: [agg("avg", "x", col("x", "DOUBLE"), false, "DOUBLE")] } satisfies GroupAggConfig,
      ["a", "b"],
    );
    h.processBatch([{ a: 1, b: 1, x: 1 }, { a: 1, b: 2, x: 5 }, { a: 1, b: 1, x: 2 }], [1, 2, 3]);
    expect(h.records()).toEqual([{ a: 1, b: 1, x: 1, $op: "+I" }, { a: 1, b: 2, x: 5, $op: "+I" }, { a: 1, b: 1, x: 1.5, $op: "+U" }]);
  });

  test("accumulators are plain JSON and keep working after a round trip", () => {
    const f = new SqlAggregateFunction(groupSpec);
    let acc = f.createAccumulator();
    for (const v of [1, 2, 2]) acc = f.add({ k: "z", v }, acc);
    acc = JSON.parse(JSON.stringify(acc)) as unknown[];
    acc = f.add({ k: "z", v: 5 }, acc);
    expect(f.getResult(acc)).toEqual({ k: "z", cnt: 4, cnt_v: 4, sum_v: 10, min_v: 1, max_v: 5, avg_v: 2, distinct_v: 3, sum_distinct_v: 8 });
  });

  test("merge leaves its inputs untouched and counts DISTINCT values once", () => {
    const f = new SqlAggregateFunction(groupSpec);
    const a = f.add({ k: "z", v: 2 }, f.add({ k: "z", v: 1 }, f.createAccumulator()));
    const b = f.add({ k: "z", v: 3 }, f.add({ k: "z", v: 2 }, f.createAccumulator()));
    const before = JSON.stringify([a, b]);
    const m = f.merge(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
    expect(f.getResult(m)).toEqual({ k: "z", cnt: 4, cnt_v: 4, sum_v: 8, min_v: 1, max_v: 3, avg_v: 2, distinct_v: 3, sum_distinct_v: 6 });
    expect(f.getResult(f.merge(f.createAccumulator(), b)).k).toBe("z");
  });
});

describe("window with the sql aggregate", () => {
  const spec: SqlWindowAggregateSpec = {
    type: "sql",
    windowStart: "window_start",
    windowEnd: "window_end",
    groupBy: [{ name: "k", expr: col("k", "VARCHAR") }],
    aggregates: [agg("count_star", "cnt"), agg("sum", "total", col("v")), agg("count", "dv", col("v"), true)],
  };
  const windowNode = (assigner: object): object => ({ assigner, allowedLatenessMs: 0, lateOutputTag: null, aggregate: spec });

  test("tumbling: flat rows in column order, timestamp end - 1", () => {
    const h = harness("window", windowNode({ type: "tumbling", sizeMs: 10, offsetMs: 0 }), ["k"]);
    h.processBatch([{ k: "a", v: 1 }, { k: "b", v: 5 }, { k: "a", v: 1 }, { k: "a", v: 7 }], [1, 2, 3, 12]);
    h.processWatermark(9);
    const fired = h.emitted.filter((e) => e.kind === "record");
    expect(fired).toEqual([
      { kind: "record", value: { k: "a", window_start: 0, window_end: 10, cnt: 2, total: 2, dv: 1 }, timestamp: 9 },
      { kind: "record", value: { k: "b", window_start: 0, window_end: 10, cnt: 1, total: 5, dv: 1 }, timestamp: 9 },
    ]);
    expect(Object.keys(fired[0]!.value as Row)).toEqual(["k", "window_start", "window_end", "cnt", "total", "dv"]);
    h.processWatermark(19);
    expect(h.records().at(-1)).toEqual({ k: "a", window_start: 10, window_end: 20, cnt: 1, total: 7, dv: 1 });
  });

  test("session: windows merge when a record bridges them", () => {
    const h = harness("window", windowNode({ type: "session", gapMs: 5 }), ["k"]);
    // a@0 -> [0,5); a@8 -> [8,13); a@4 bridges them -> [0,13)
    h.processBatch([{ k: "a", v: 1 }, { k: "a", v: 2 }], [0, 8]);
    h.processBatch([{ k: "a", v: 2 }], [4]);
    h.processBatch([{ k: "a", v: 10 }], [30]);
    h.processWatermark(100);
    expect(h.emitted.filter((e) => e.kind === "record")).toEqual([
      { kind: "record", value: { k: "a", window_start: 0, window_end: 13, cnt: 3, total: 5, dv: 2 }, timestamp: 12 },
      { kind: "record", value: { k: "a", window_start: 30, window_end: 35, cnt: 1, total: 10, dv: 1 }, timestamp: 34 },
    ]);
  });
});
