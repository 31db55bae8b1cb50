/**
 * Unit tests of sliced sliding windows (sliced-window-operator.ts) against the per-window operator on
 * random, out-of-order input with late records, and of the lazy session timers: same output in the
 * same order, slices dropped after their last window, about one pending timer per session.
 */
import { describe, expect, test } from "bun:test";
import type { KeyedStateStore, Operator } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import type { KeyedStateBackend } from "../../state/index.ts";
import { OperatorHarness } from "../../runtime/testing/operator-harness.ts";
import { createOperator } from "../registry.ts";
import type { SqlWindowAggregateSpec } from "../sql/ir.ts";
import { createSqlWindowAggregate } from "../sql/sql-aggregates.ts";
import { session, sliding, type WindowAssignerSpec } from "./assigners.ts";
import { canSlice, SlicedWindowOperator } from "./sliced-window-operator.ts";
import { AlignedWindowOperator, SessionWindowOperator, type WindowOperatorOptions } from "./window-operator.ts";

interface Ev {
  readonly k: string;
  readonly v: number;
}

const col = (name: string, type: "BIGINT" | "VARCHAR" | "DOUBLE") => ({ k: "col", name, type, nullable: false }) as const;

/** COUNT(*), SUM, MIN, MAX, AVG over BIGINT v, grouped by k: every aggregate kind that merges exactly. */
function spec(sumType: "BIGINT" | "DOUBLE" = "BIGINT"): SqlWindowAggregateSpec {
  return {
    type: "sql",
    groupBy: [{ name: "k", expr: col("k", "VARCHAR") }],
    aggregates: [
      { fn: "count_star", arg: null, distinct: false, name: "n", type: "BIGINT" },
      { fn: "sum", arg: col("v", sumType), distinct: false, name: "s", type: sumType },
      { fn: "min", arg: col("v", "BIGINT"), distinct: false, name: "lo", type: "BIGINT" },
      { fn: "max", arg: col("v", "BIGINT"), distinct: false, name: "hi", type: "BIGINT" },
      { fn: "avg", arg: col("v", "BIGINT"), distinct: false, name: "a", type: "BIGINT" },
    ],
    windowStart: "window_start",
    windowEnd: "window_end",
  } as SqlWindowAggregateSpec;
}

function options(assigner: WindowAssignerSpec, s = spec()): WindowOperatorOptions {
  const sql = createSqlWindowAggregate(s);
  return {
    assigner,
    allowedLatenessMs: 0,
    lateOutputTag: "late",
    keyOf: (e) => (e as Ev).k,
    aggregate: sql.aggregate as WindowOperatorOptions["aggregate"],
    result: sql.result,
  };
}

/** A seeded PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = { readonly records: [Ev, number][] } | { readonly watermark: number };

/** Batches of out-of-order records (some behind the watermark, so late) with watermarks in between. */
function randomSteps(rnd: () => number, base: number): Step[] {
  const steps: Step[] = [];
  let now = base;
  let watermark = -Infinity;
  for (let b = 0; b < 30; b++) {
    const records: [Ev, number][] = [];
    const n = Math.floor(rnd() * 12);
    for (let i = 0; i < n; i++) {
      now += Math.floor(rnd() * 4);
      const t = now - Math.floor(rnd() * 25); // up to 25 ms out of order
      records.push([{ k: "abcd"[Math.floor(rnd() * 4)]!, v: Math.floor(rnd() * 100) - 20 }, t]);
    }
    steps.push({ records });
    const next = now - Math.floor(rnd() * 15);
    if (next > watermark && rnd() < 0.6) {
      watermark = next;
      steps.push({ watermark });
    }
  }
  steps.push({ watermark: Number.POSITIVE_INFINITY });
  return steps;
}

function run(op: Operator<Ev, unknown>, steps: readonly Step[]): OperatorHarness<Ev, unknown> {
  const h = new OperatorHarness<Ev, unknown>(op);
  for (const step of steps) {
    if ("watermark" in step) h.processWatermark(step.watermark);
    else h.processRecords(step.records);
  }
  return h;
}

/** The keyed state store an operator writes to (a protected field, read here to check cleanup). */
function storeOf(op: unknown): KeyedStateStore {
  return (op as { store: KeyedStateStore }).store;
}

describe("sliced sliding windows", () => {
  test("equal the per-window operator on random out-of-order input with late records, in the same order", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      const slide = 1 + Math.floor(rnd() * 6);
      const size = slide * (2 + Math.floor(rnd() * 4));
      const offset = Math.floor(rnd() * (2 * slide - 1)) - (slide - 1);
      const assigner = sliding(size, slide, offset);
      const steps = randomSteps(rnd, Math.floor(rnd() * 200) - 100);
      const sliced = run(new SlicedWindowOperator(options(assigner)) as Operator<Ev, unknown>, steps);
      const perWindow = run(new AlignedWindowOperator(options(assigner)) as Operator<Ev, unknown>, steps);
      expect({ seed, emitted: sliced.emitted }).toEqual({ seed, emitted: perWindow.emitted });
    }
  });

  test("slices and their timers survive a snapshot and restore into a fresh operator (memory backend)", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const steps = randomSteps(random(seed), 0);
      const cut = Math.floor(steps.length / 2);
      const first = new SlicedWindowOperator(options(sliding(12, 3)));
      const a = run(first as Operator<Ev, unknown>, steps.slice(0, cut));
      const state = (storeOf(first) as unknown as KeyedStateBackend).snapshot(1);
      const timers = a.timers.snapshot();
      const second = new SlicedWindowOperator(options(sliding(12, 3)));
      const b = new OperatorHarness<Ev, unknown>(second as Operator<Ev, unknown>);
      (storeOf(second) as unknown as KeyedStateBackend).restore([state]);
      b.timers.restore(timers, { start: 0, end: 127 }, 128);
      b.timers.advanceWatermark(a.timers.currentWatermark(), () => {}); // the restored task's watermark
      for (const step of steps.slice(cut)) {
        if ("watermark" in step) b.processWatermark(step.watermark);
        else b.processRecords(step.records);
      }
      const whole = run(new AlignedWindowOperator(options(sliding(12, 3))) as Operator<Ev, unknown>, steps);
      expect({ seed, emitted: [...a.emitted, ...b.emitted] }).toEqual({ seed, emitted: whole.emitted });
    }
  });

  test("the random input does exercise late records and multi-slice windows", () => {
    let late = 0;
    let results = 0;
    for (let seed = 1; seed <= 50; seed++) {
      const h = run(new SlicedWindowOperator(options(sliding(10, 2))) as Operator<Ev, unknown>, randomSteps(random(seed), 0));
      late += h.sideOutput("late").length;
      results += h.records().length;
    }
    expect(late).toBeGreaterThan(0);
    expect(results).toBeGreaterThan(0);
  });

  test("a slice is dropped once the last window containing it has fired; nothing is left at the end", () => {
    const op = new SlicedWindowOperator(options(sliding(10, 2)));
    const h = new OperatorHarness<Ev, unknown>(op as Operator<Ev, unknown>);
    const store = storeOf(op);
    const slicesOf = (k: string): number[] => {
      store.setCurrentKey(k);
      return [...store.getMapState<number, unknown>({ kind: "map", name: "window-slices" }).keys()].sort((a, b) => a - b);
    };
    h.processRecords([[{ k: "a", v: 1 }, 1], [{ k: "a", v: 2 }, 3], [{ k: "a", v: 3 }, 12], [{ k: "b", v: 4 }, 5]]);
    expect(slicesOf("a")).toEqual([0, 2, 12]);
    // Window [0, 10) fires at 9 and drops slice 0; slice 2 is still needed by [2, 12).
    h.processWatermark(9);
    expect(slicesOf("a")).toEqual([2, 12]);
    h.processWatermark(11);
    expect(slicesOf("a")).toEqual([12]);
    expect(slicesOf("b")).toEqual([4]);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect([...store.keys("window-slices")]).toEqual([]);
    expect(h.timers.eventTimerCount).toBe(0);
    // Records of a per window start: [-8,2) has t=1; [-6,4) .. [0,10) have t=1, 3; [2,12) has t=3;
    // [4,14) .. [12,22) have t=12.
    const a = h.records().filter((r) => (r as { k: string }).k === "a") as { window_start: number; n: number }[];
    expect(a.map((r) => `${r.window_start}:${r.n}`)).toEqual(["-8:1", "-6:2", "-4:2", "-2:2", "0:2", "2:1", "4:1", "6:1", "8:1", "10:1", "12:1"]);
  });

  test("the registry slices SQL sliding windows only when merging is exact and size is a multiple of slide", () => {
    const node = (assigner: WindowAssignerSpec, aggregate: SqlWindowAggregateSpec, allowedLatenessMs = 0): PlanNode => ({
      id: "w",
      kind: "window",
      name: "Window",
      parallelism: 1,
      key: { type: "fields", fields: ["k"] },
      config: { assigner, allowedLatenessMs, lateOutputTag: null, aggregate },
    });
    expect(createOperator(node(sliding(10, 2), spec()), {})).toBeInstanceOf(SlicedWindowOperator);
    expect(createOperator(node(sliding(10, 3), spec()), {})).toBeInstanceOf(AlignedWindowOperator);
    expect(createOperator(node(sliding(10, 2), spec("DOUBLE")), {})).toBeInstanceOf(AlignedWindowOperator);
    expect(createOperator(node(sliding(10, 2), spec(), 5), {})).toBeInstanceOf(AlignedWindowOperator);
    const o = options(sliding(10, 2));
    expect(canSlice({ ...o, aggregate: { ...o.aggregate, mergesExactly: false } })).toBe(false);
    expect(() => new SlicedWindowOperator(options(session(5)))).toThrow(TypeError);
  });

  test("the DataStream API's count, min and max slide by slices; sum (floats), reduce and user aggregates that do not say so do not", () => {
    const node = (aggregate: Record<string, unknown>): PlanNode => ({
      id: "w",
      kind: "window",
      name: "Window",
      parallelism: 1,
      key: { type: "udf" },
      config: { assigner: sliding(10, 2), allowedLatenessMs: 0, lateOutputTag: null, aggregate } as PlanNode["config"],
    });
    const keyOf = (e: unknown) => (e as Ev).k;
    const fns = (extra: Record<string, unknown> = {}) => ({ key: keyOf, ...extra });
    for (const aggregate of [{ type: "count" }, { type: "min", field: "v" }, { type: "max", field: "v" }]) expect(createOperator(node(aggregate), fns())).toBeInstanceOf(SlicedWindowOperator);
    expect(createOperator(node({ type: "sum", field: "v" }), fns())).toBeInstanceOf(AlignedWindowOperator);
    expect(createOperator(node({ type: "reduce" }), fns({ reduce: (a: unknown) => a }))).toBeInstanceOf(AlignedWindowOperator);
    const user = { createAccumulator: () => 0, add: (_v: unknown, a: number) => a + 1, getResult: (a: number) => a, merge: (a: number, b: number) => a + b };
    expect(createOperator(node({ type: "aggregate" }), fns({ aggregate: user }))).toBeInstanceOf(AlignedWindowOperator);
    expect(createOperator(node({ type: "aggregate" }), fns({ aggregate: { ...user, mergesExactly: true } }))).toBeInstanceOf(SlicedWindowOperator);
  });
});

describe("session windows: lazy timers", () => {
  test("records extending one session leave one pending timer, and the session fires once at its final end", () => {
    const h = new OperatorHarness<Ev, unknown>(new SessionWindowOperator(options(session(10))) as Operator<Ev, unknown>);
    for (let t = 0; t < 100; t += 3) h.processRecords([[{ k: "a", v: 1 }, t]]);
    expect(h.timers.eventTimerCount).toBe(1);
    // The first timer (9) re-arms at the session's maxTimestamp (99 + 10 - 1 = 108) and fires nothing.
    h.processWatermark(50);
    expect(h.records()).toEqual([]);
    expect(h.timers.eventTimerCount).toBe(1);
    h.processWatermark(107);
    expect(h.records()).toEqual([]);
    h.processWatermark(108);
    expect(h.records()).toEqual([{ k: "a", window_start: 0, window_end: 109, n: 34, s: 34, lo: 1, hi: 1, a: 1 }]);
    expect(h.timers.eventTimerCount).toBe(0);
  });

  test("a merge of two sessions fires once at the merged end; a record before a session moves its start", () => {
    const h = new OperatorHarness<Ev, unknown>(new SessionWindowOperator(options(session(10))) as Operator<Ev, unknown>);
    h.processRecords([[{ k: "a", v: 1 }, 20], [{ k: "a", v: 2 }, 40], [{ k: "a", v: 3 }, 12], [{ k: "a", v: 4 }, 30]]);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records()).toEqual([{ k: "a", window_start: 12, window_end: 50, n: 4, s: 10, lo: 1, hi: 4, a: 2 }]);
    expect(h.timers.eventTimerCount).toBe(0);
  });

  test("equal a plain session model on random out-of-order input with late records (rows between watermarks, any order)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      const gap = 1 + Math.floor(rnd() * 12);
      const steps = randomSteps(rnd, 0);
      const h = run(new SessionWindowOperator(options(session(gap))) as Operator<Ev, unknown>, steps);
      // The model: per key a list of [start, end, records]; merge on overlap or touch, late = end - 1 <= wm.
      const open = new Map<string, { start: number; end: number; vs: number[] }[]>();
      const expected: string[][] = [[]];
      let wm = -Infinity;
      for (const step of steps) {
        if ("records" in step) {
          for (const [e, t] of step.records) {
            const list = open.get(e.k) ?? [];
            let start = t;
            let end = t + gap;
            const vs = [e.v];
            const keep = [];
            for (const w of list) {
              if (w.start <= end && w.end >= start) {
                start = Math.min(start, w.start);
                end = Math.max(end, w.end);
                vs.push(...w.vs);
              } else keep.push(w);
            }
            if (end - 1 <= wm) {
              expected[expected.length - 1]!.push(`late:${e.k}@${t}`);
              continue;
            }
            keep.push({ start, end, vs });
            open.set(e.k, keep);
          }
          continue;
        }
        wm = step.watermark;
        for (const [k, list] of open) {
          for (const w of list.filter((w) => w.end - 1 <= wm)) expected[expected.length - 1]!.push(`${k}[${w.start},${w.end})n=${w.vs.length}s=${w.vs.reduce((x, y) => x + y, 0)}`);
          open.set(k, list.filter((w) => w.end - 1 > wm));
        }
        expected.push([]);
      }
      const actual: string[][] = [[]];
      for (const e of h.emitted) {
        if (e.kind === "watermark") actual.push([]);
        else if (e.kind === "side") actual[actual.length - 1]!.push(`late:${(e.value as Ev).k}@${e.timestamp}`);
        else {
          const r = e.value as { k: string; window_start: number; window_end: number; n: number; s: number };
          actual[actual.length - 1]!.push(`${r.k}[${r.window_start},${r.window_end})n=${r.n}s=${r.s}`);
        }
      }
      expect({ seed, segments: actual.map((x) => x.sort()) }).toEqual({ seed, segments: expected.map((x) => x.sort()) });
    }
  });
});
