/**
 * Unit tests of the event-time window operators (tumbling, sliding, session), driven one record and one
 * watermark at a time through the OperatorHarness: aggregations, firing, merging, lateness, process().
 */
import { describe, expect, test } from "bun:test";
import { NO_TIMESTAMP, PlanError, RecordProcessingFailure, type Operator, type WindowResult } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { OperatorHarness } from "../../runtime/testing/operator-harness.ts";
import { createOperator } from "../registry.ts";
import { createAggregate, type AggregateFunction, type AggregateSpec } from "./aggregates.ts";
import { session, sliding, tumbling, type WindowAssignerSpec } from "./assigners.ts";
import { AlignedWindowOperator, LATE_RECORDS_METRIC, SessionWindowOperator, type ProcessWindowFunction } from "./window-operator.ts";

interface Ev {
  readonly k: string;
  readonly v: number;
  readonly id?: number;
}
type Result = WindowResult<string, unknown>;

const LATE = "late";

interface Setup {
  readonly aggregate?: AggregateSpec;
  readonly allowedLatenessMs?: number;
  /** Defaults to LATE; null = count late records only. */
  readonly lateOutputTag?: string | null;
  /** Extra user functions (reduce, aggregate, process); the key function is always `e.k`. */
  readonly fns?: Readonly<Record<string, unknown>>;
}

/** A window operator built the way the runtime builds it: a "window" plan node through the registry. */
function windowHarness<O = Result>(assigner: WindowAssignerSpec, setup: Setup = {}): OperatorHarness<Ev, O> {
  const node: PlanNode = {
    id: "window-1",
    kind: "window",
    name: "Window",
    parallelism: 1,
    key: { type: "udf" },
    config: {
      assigner,
      allowedLatenessMs: setup.allowedLatenessMs ?? 0,
      lateOutputTag: setup.lateOutputTag === undefined ? LATE : setup.lateOutputTag,
      aggregate: setup.aggregate ?? { type: "sum", field: "v" },
    },
  };
  const operator = createOperator(node, { key: (e: Ev) => e.k, ...setup.fns });
  return new OperatorHarness<Ev, O>(operator as Operator<Ev, O>);
}

/** A record of key `k` and value `v` at event time `t`. */
function ev(k: string, v: number, t: number, id?: number): [Ev, number] {
  return [id === undefined ? { k, v } : { k, v, id }, t];
}

/** Compact form of a window result: `a[0,5)=3`. */
function fmt(r: Result): string {
  return `${r.key}[${r.window.start},${r.window.end})=${JSON.stringify(r.value)}`;
}

/** The harness output in order, as `r:<result>@<ts>`, `side:<value>@<ts>` and `wm@<ts>`. */
function trace(h: OperatorHarness<Ev, Result>): string[] {
  return h.emitted.map((e) =>
    e.kind === "record" ? `r:${fmt(e.value)}@${e.timestamp}` : e.kind === "side" ? `side:${JSON.stringify(e.value)}@${e.timestamp}` : `wm@${e.timestamp}`,
  );
}

function lateCount(h: OperatorHarness<Ev, unknown>): number {
  return h.metrics.counter(LATE_RECORDS_METRIC).count;
}

describe("tumbling windows", () => {
  test("sum per key and window, fired once the watermark reaches end - 1", () => {
    const h = windowHarness(tumbling(5));
    h.processRecords([ev("a", 1, 1), ev("a", 2, 4), ev("b", 10, 3), ev("a", 4, 5)]);
    h.processWatermark(3);
    expect(h.records()).toEqual([]);
    h.processWatermark(4);
    expect(h.records().map(fmt)).toEqual(["a[0,5)=3", "b[0,5)=10"]);
    h.processWatermark(8);
    expect(h.records()).toHaveLength(2);
    h.processWatermark(9);
    expect(h.records().map(fmt)).toEqual(["a[0,5)=3", "b[0,5)=10", "a[5,10)=4"]);
    expect(h.watermarks()).toEqual([3, 4, 8, 9]);
  });

  test("results carry timestamp end - 1 and are emitted before the watermark that fired them", () => {
    const h = windowHarness(tumbling(5));
    h.processRecords([ev("a", 1, 1)]).processWatermark(4).processRecords([ev("a", 2, 7)]).processWatermark(20);
    expect(trace(h)).toEqual(["r:a[0,5)=1@4", "wm@4", "r:a[5,10)=2@9", "wm@20"]);
  });

  test("the final +inf watermark fires every open window", () => {
    const h = windowHarness(tumbling(10));
    h.processRecords([ev("a", 1, 5), ev("b", 2, 15), ev("a", 3, 1_000_000)]);
    h.processWatermark(Number.POSITIVE_INFINITY).endInput();
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "b[10,20)=2", "a[1000000,1000010)=3"]);
  });

  // Key "a": five records in [0, 10) with ties on v, one in [10, 20).
  const input = [ev("a", 3, 1, 1), ev("a", 1, 2, 2), ev("a", 3, 3, 3), ev("a", 1, 4, 4), ev("a", 2, 5, 5), ev("a", 7, 12, 6)];
  const average: AggregateFunction<Ev, { sum: number; n: number }, number> = {
    createAccumulator: () => ({ sum: 0, n: 0 }),
    add: (e, acc) => ({ sum: acc.sum + e.v, n: acc.n + 1 }),
    getResult: (acc) => acc.sum / acc.n,
    merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  };
  const cases: { name: string; aggregate: AggregateSpec; fns?: Record<string, unknown>; expected: [unknown, unknown] }[] = [
    { name: "sum", aggregate: { type: "sum", field: "v" }, expected: [10, 7] },
    { name: "count", aggregate: { type: "count" }, expected: [5, 1] },
    { name: "min", aggregate: { type: "min", field: "v" }, expected: [1, 7] },
    { name: "max", aggregate: { type: "max", field: "v" }, expected: [3, 7] },
    // minBy/maxBy keep the whole record, the first one on ties.
    { name: "minBy", aggregate: { type: "minBy", field: "v" }, expected: [{ k: "a", v: 1, id: 2 }, { k: "a", v: 7, id: 6 }] },
    { name: "maxBy", aggregate: { type: "maxBy", field: "v" }, expected: [{ k: "a", v: 3, id: 1 }, { k: "a", v: 7, id: 6 }] },
    // An order-sensitive fold (digits concatenated) shows records are reduced in arrival order; a
    // single-record window yields that record unchanged.
    {
      name: "reduce",
      aggregate: { type: "reduce" },
      fns: { reduce: (a: Ev, b: Ev): Ev => ({ k: a.k, v: a.v * 10 + b.v }) },
      expected: [{ k: "a", v: 31312 }, { k: "a", v: 7, id: 6 }],
    },
    { name: "aggregate", aggregate: { type: "aggregate" }, fns: { aggregate: average }, expected: [2, 7] },
  ];
  for (const c of cases) {
    test(`${c.name}()`, () => {
      const h = windowHarness(tumbling(10), { aggregate: c.aggregate, ...(c.fns === undefined ? {} : { fns: c.fns }) });
      h.processRecords(input).processWatermark(Number.POSITIVE_INFINITY);
      expect(h.records()).toEqual([
        { key: "a", window: { start: 0, end: 10 }, value: c.expected[0] },
        { key: "a", window: { start: 10, end: 20 }, value: c.expected[1] },
      ]);
    });
  }

  test("negative timestamps fall into windows aligned to the epoch", () => {
    const h = windowHarness(tumbling(10), { aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, -1), ev("a", 0, -10), ev("a", 0, -11), ev("a", 0, 0)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[-20,-10)=1", "a[-10,0)=2", "a[0,10)=1"]);
  });

  test("offsets shift window starts, for positive and negative offsets and timestamps", () => {
    const plus = windowHarness(tumbling(10, 3), { aggregate: { type: "count" } });
    plus.processRecords([ev("a", 0, -1), ev("a", 0, 2), ev("a", 0, 3), ev("a", 0, -8)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(plus.records().map(fmt)).toEqual(["a[-17,-7)=1", "a[-7,3)=2", "a[3,13)=1"]);

    const minus = windowHarness(tumbling(10, -3), { aggregate: { type: "count" } });
    minus.processRecords([ev("a", 0, 0), ev("a", 0, -4), ev("a", 0, 7)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(minus.records().map(fmt)).toEqual(["a[-13,-3)=1", "a[-3,7)=1", "a[7,17)=1"]);
  });
});

describe("sliding windows", () => {
  test("each record is in size/slide windows, each fired at its own end", () => {
    const h = windowHarness(sliding(10, 5));
    h.processRecords([ev("a", 1, 7), ev("a", 2, 12)]);
    h.processWatermark(9);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1"]);
    h.processWatermark(14);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "a[5,15)=3"]);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "a[5,15)=3", "a[10,20)=2"]);
  });

  test("a size that is not a multiple of the slide gives 3 or 4 windows per record (with an offset)", () => {
    // Starts are 1 (mod 3): t=7 is in [-2,8) [1,11) [4,14) [7,17); t=8 is not in [-2,8).
    const h = windowHarness(sliding(10, 3, 1), { aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 7), ev("a", 0, 8)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[-2,8)=1", "a[1,11)=2", "a[4,14)=2", "a[7,17)=2"]);
  });

  test("negative timestamps", () => {
    const h = windowHarness(sliding(4, 2), { aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, -1), ev("a", 0, -3)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[-6,-2)=1", "a[-4,0)=2", "a[-2,2)=1"]);
  });
});

describe("session windows", () => {
  test("records within the gap share a session; sessions are per key", () => {
    const h = windowHarness(session(10));
    h.processRecords([ev("a", 1, 0), ev("a", 2, 5), ev("a", 4, 20), ev("b", 8, 3)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["b[3,13)=8", "a[0,15)=3", "a[20,30)=4"]);
  });

  test("windows that touch merge (records exactly `gap` apart); one more ms apart they do not", () => {
    const h = windowHarness(session(10), { aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0), ev("a", 0, 10), ev("b", 0, 0), ev("b", 0, 11)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt).sort()).toEqual(["a[0,20)=2", "b[0,10)=1", "b[11,21)=1"]);
  });

  test("a record that bridges two sessions merges them and their accumulators", () => {
    const merging: AggregateFunction<Ev, { sum: number; merges: number }, { sum: number; merges: number }> = {
      createAccumulator: () => ({ sum: 0, merges: 0 }),
      add: (e, acc) => ({ sum: acc.sum + e.v, merges: acc.merges }),
      getResult: (acc) => acc,
      merge: (a, b) => ({ sum: a.sum + b.sum, merges: a.merges + b.merges + 1 }),
    };
    const h = windowHarness(session(10), { aggregate: { type: "aggregate" }, fns: { aggregate: merging } });
    h.processRecords([ev("a", 1, 0), ev("a", 2, 20)]).processWatermark(5);
    expect(h.records()).toEqual([]);
    // [10, 20) touches [0, 10) and [20, 30).
    h.processRecords([ev("a", 4, 10)]);
    h.processWatermark(28);
    expect(h.records()).toEqual([]);
    h.processWatermark(29);
    expect(h.records()).toEqual([{ key: "a", window: { start: 0, end: 30 }, value: { sum: 7, merges: 1 } }]);
  });

  test("built-in sum merges across a bridge too, and a record that only extends a session moves its end", () => {
    const h = windowHarness(session(10));
    h.processRecords([ev("a", 1, 0), ev("a", 2, 25), ev("a", 4, 12)]); // 12 touches neither: three sessions
    h.processRecords([ev("b", 1, 0), ev("b", 2, 20), ev("b", 4, 10)]); // 10 bridges [0,10) and [20,30)
    h.processRecords([ev("c", 1, 0), ev("c", 2, 7)]); // 7 extends [0,10) to [0,17)
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt).sort()).toEqual(["a[0,10)=1", "a[12,22)=4", "a[25,35)=2", "b[0,30)=7", "c[0,17)=3"]);
  });

  test("a session fires when the watermark reaches the merged end - 1, not the end of a merged-away window", () => {
    const h = windowHarness(session(10), { aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0), ev("a", 0, 8)]); // [0,10) + [8,18) -> [0,18)
    h.processWatermark(9).processWatermark(16);
    expect(h.records()).toEqual([]);
    h.processWatermark(17);
    expect(trace(h)).toEqual(["wm@9", "wm@16", "r:a[0,18)=2@17", "wm@17"]);
  });
});

describe("late data", () => {
  test("a record whose window already fired goes to the side output and is counted", () => {
    const h = windowHarness(tumbling(10));
    h.processRecords([ev("a", 1, 1)]).processWatermark(9);
    h.processRecords([ev("a", 2, 5), ev("a", 4, 10)]);
    expect(h.sideOutput(LATE)).toEqual([{ k: "a", v: 2 }]);
    expect(lateCount(h)).toBe(1);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(trace(h)).toEqual(["r:a[0,10)=1@9", "wm@9", 'side:{"k":"a","v":2}@5', "r:a[10,20)=4@19", "wm@Infinity"]);
  });

  test("late means window end - 1 <= watermark: a record for the window ending at watermark + 1 is on time", () => {
    const h = windowHarness(tumbling(10), { aggregate: { type: "count" } });
    h.processWatermark(8).processRecords([ev("a", 0, 9)]);
    expect(lateCount(h)).toBe(0);
    h.processWatermark(9).processRecords([ev("a", 0, 9)]);
    expect(lateCount(h)).toBe(1);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1"]);
  });

  test("without a late-data tag late records are only counted", () => {
    const h = windowHarness(tumbling(10), { lateOutputTag: null });
    h.processWatermark(100).processRecords([ev("a", 1, 5), ev("b", 1, 50)]);
    expect(lateCount(h)).toBe(2);
    expect(h.emitted.filter((e) => e.kind === "side")).toEqual([]);
    expect(h.records()).toEqual([]);
  });

  test("sliding: a record late for some of its windows is kept in the others and not counted", () => {
    const h = windowHarness(sliding(10, 5), { aggregate: { type: "count" } });
    h.processWatermark(9);
    h.processRecords([ev("a", 0, 7)]); // [0,10) is late, [5,15) is not
    h.processRecords([ev("a", 0, 3)]); // [-5,5) and [0,10) are both late
    expect(lateCount(h)).toBe(1);
    expect(h.sideOutput(LATE)).toEqual([{ k: "a", v: 0 }]);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[5,15)=1"]);
  });

  test("session: lateness is judged on the record's (merged) session", () => {
    const h = windowHarness(session(10), { aggregate: { type: "count" } });
    h.processWatermark(20);
    h.processRecords([ev("a", 5, 5), ev("a", 11, 11), ev("a", 12, 12)]); // [5,15) and [11,21) are late
    expect(h.sideOutput(LATE)).toEqual([{ k: "a", v: 5 }, { k: "a", v: 11 }]);
    expect(lateCount(h)).toBe(2);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.records().map(fmt)).toEqual(["a[12,22)=1"]);
  });
});

describe("allowed lateness", () => {
  test("a late-but-allowed record re-fires the window at once with the updated result; after cleanup it is late", () => {
    const h = windowHarness(tumbling(10), { allowedLatenessMs: 5 });
    h.processRecords([ev("a", 1, 1)]).processWatermark(9);
    h.processRecords([ev("a", 2, 3)]);
    h.processWatermark(13).processRecords([ev("a", 4, 4)]);
    h.processWatermark(14); // cleanup time: 9 + 5
    h.processRecords([ev("a", 8, 2)]);
    expect(trace(h)).toEqual(["r:a[0,10)=1@9", "wm@9", "r:a[0,10)=3@9", "wm@13", "r:a[0,10)=7@9", "wm@14", 'side:{"k":"a","v":8}@2']);
    expect(lateCount(h)).toBe(1);
    expect(h.timers.eventTimerCount).toBe(0);
  });

  test("sliding: cleanup drops the expired window while a later one still re-fires", () => {
    const h = windowHarness(sliding(10, 5), { allowedLatenessMs: 5, aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 7)]).processWatermark(14); // fires [0,10) and [5,15); cleans [0,10)
    h.processRecords([ev("a", 0, 8)]); // [0,10) is past cleanup; [5,15) is within lateness
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "a[5,15)=1", "a[5,15)=2"]);
    expect(lateCount(h)).toBe(0);
  });

  // Regression: a late-but-allowed record that creates a window fires it at once and must not also
  // register a firing timer behind the watermark (Flink's EventTimeTrigger.onElement does the same).
  test("a late-but-allowed record that opens a new window fires it exactly once", () => {
    const h = windowHarness(tumbling(10), { allowedLatenessMs: 100, aggregate: { type: "count" } });
    h.processWatermark(15).processRecords([ev("a", 0, 5)]);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1"]);
    h.processWatermark(20);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1"]);
  });

  test("session: a late-but-allowed record re-fires the merged session with the updated result", () => {
    const h = windowHarness(session(10), { allowedLatenessMs: 100, aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0), ev("a", 0, 8)]).processWatermark(20);
    h.processRecords([ev("a", 0, 5)]);
    expect(trace(h)).toEqual(["r:a[0,18)=2@17", "wm@20", "r:a[0,18)=3@17"]);
  });

  test("session: a late record that extends a fired session past the watermark waits for the new end", () => {
    const h = windowHarness(session(10), { allowedLatenessMs: 100, aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0)]).processWatermark(9);
    h.processRecords([ev("a", 0, 5)]); // [0,15): end - 1 = 14 > 9
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1"]);
    h.processWatermark(14);
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "a[0,15)=2"]);
  });

  // Regression: a session re-fired at once by a late-but-allowed record is not fired again by the next
  // watermark.
  test("session: a late-but-allowed re-fire is not repeated by the next watermark", () => {
    const h = windowHarness(session(10), { allowedLatenessMs: 100, aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0), ev("a", 0, 8)]).processWatermark(20);
    h.processRecords([ev("a", 0, 5)]).processWatermark(21);
    expect(h.records().map(fmt)).toEqual(["a[0,18)=2", "a[0,18)=3"]);
  });

  test("session: after cleanup a record is late, or starts a fresh session instead of merging into the purged one", () => {
    const h = windowHarness(session(10), { allowedLatenessMs: 5, aggregate: { type: "count" } });
    h.processRecords([ev("a", 0, 0)]).processWatermark(9).processWatermark(14); // fired at 9, cleaned at 9 + 5
    h.processRecords([ev("a", 1, 0)]); // [0,10): 9 + 5 <= 14, late
    expect(h.sideOutput(LATE)).toEqual([{ k: "a", v: 1 }]);
    h.processRecords([ev("a", 2, 3)]); // [3,13): 12 + 5 > 14, allowed; [0,10) is gone
    expect(h.records().map(fmt)).toEqual(["a[0,10)=1", "a[3,13)=1"]);
    expect(lateCount(h)).toBe(1);
  });
});

describe("process window function", () => {
  test("gets the key, the window and all its elements, and may emit several records at end - 1", () => {
    const fn: ProcessWindowFunction<string, Ev, unknown> = ({ key, window }, elements, out) => {
      out.collect({ key, window, vs: elements.map((e) => e.v) });
      out.collect(elements.length);
    };
    const h = windowHarness<unknown>(tumbling(10), { aggregate: { type: "process" }, fns: { process: fn } });
    h.processRecords([ev("a", 1, 1), ev("b", 2, 2), ev("a", 3, 3), ev("a", 4, 12)]).processWatermark(9);
    expect(h.emitted).toEqual([
      { kind: "record", value: { key: "a", window: { start: 0, end: 10 }, vs: [1, 3] }, timestamp: 9 },
      { kind: "record", value: 2, timestamp: 9 },
      { kind: "record", value: { key: "b", window: { start: 0, end: 10 }, vs: [2] }, timestamp: 9 },
      { kind: "record", value: 1, timestamp: 9 },
      { kind: "watermark", timestamp: 9 },
    ]);
  });

  test("session: the function sees the elements of every merged session", () => {
    const calls: { window: string; vs: number[] }[] = [];
    const fn: ProcessWindowFunction<string, Ev, never> = ({ window }, elements) => {
      calls.push({ window: `[${window.start},${window.end})`, vs: elements.map((e) => e.v).sort((x, y) => x - y) });
    };
    const h = windowHarness<unknown>(session(10), { aggregate: { type: "process" }, fns: { process: fn } });
    h.processRecords([ev("a", 1, 0), ev("a", 2, 20), ev("a", 3, 10), ev("a", 4, 50)]).processWatermark(Number.POSITIVE_INFINITY);
    expect(calls).toEqual([
      { window: "[0,30)", vs: [1, 2, 3] },
      { window: "[50,60)", vs: [4] },
    ]);
  });
});

describe("errors", () => {
  test("a record without an event-time timestamp fails naming the problem and its position in the batch", () => {
    const h = windowHarness(tumbling(10));
    let error: unknown;
    try {
      h.processBatch([{ k: "a", v: 1 }, { k: "a", v: 2 }], [1, NO_TIMESTAMP]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecordProcessingFailure);
    const failure = error as RecordProcessingFailure;
    expect(failure.indexInBatch).toBe(1);
    expect(failure.cause).toBeInstanceOf(TypeError);
    expect(failure.message).toBe("record has no event-time timestamp; give the source a WatermarkStrategy with timestamps");
  });

  // Regression: a NaN timestamp would make a window starting at NaN whose timer never fires and blocks
  // the timer heap, so results would vanish silently; it must fail like a missing timestamp.
  test("a record whose timestamp is not a number fails like a missing one", () => {
    const h = windowHarness(tumbling(10));
    expect(() => {
      h.processBatch([{ k: "a", v: 1 }], [Number.NaN]);
    }).toThrow(/timestamp/);
  });

  test("aggregating a field that is not a number names the field", () => {
    const h = windowHarness(tumbling(10), { aggregate: { type: "sum", field: "k" } });
    expect(() => h.processRecords([ev("a", 1, 1)])).toThrow("field 'k' is a string, expected a number");
    const missing = windowHarness(tumbling(10), { aggregate: { type: "max", field: "w" } });
    expect(() => missing.processRecords([ev("a", 1, 1)])).toThrow("field 'w' is missing, expected a number");
  });

  test("each operator class rejects the other kind of assigner", () => {
    const options = { allowedLatenessMs: 0, lateOutputTag: null, keyOf: (e: unknown) => e, aggregate: createAggregate({ type: "count" }, {}) };
    expect(() => new AlignedWindowOperator({ ...options, assigner: session(5) })).toThrow(TypeError);
    expect(() => new SessionWindowOperator({ ...options, assigner: tumbling(5) })).toThrow(TypeError);
  });

  test("the registry rejects reduce() and process() nodes without their function", () => {
    expect(() => windowHarness(tumbling(10), { aggregate: { type: "reduce" } })).toThrow(PlanError);
    expect(() => windowHarness(tumbling(10), { aggregate: { type: "reduce" } })).toThrow("window reduce() needs a reduce function");
    expect(() => windowHarness(tumbling(10), { aggregate: { type: "process" } })).toThrow("needs a function 'process'");
  });
});
