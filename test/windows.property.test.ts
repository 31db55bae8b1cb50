/**
 * Property tests: keyed tumbling, sliding and session windows run through the real runtime, at
 * parallelism 1 and 4, give exactly what a plain in-memory computation over the same events gives.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  boundedOutOfOrderness,
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  StreamEnvironment,
  TumblingEventTimeWindows,
  type AggregateFunction,
  type CollectHandle,
  type ExecutionResult,
  type WindowResult,
} from "../src/index.ts";

interface Event {
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}

type Row = WindowResult<string, unknown>;

type WindowSpec =
  | { readonly type: "tumbling"; readonly size: number; readonly offset: number }
  | { readonly type: "sliding"; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly type: "session"; readonly gap: number };

const AGGREGATIONS = ["sum", "count", "min", "max", "aggregate", "process"] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

interface Scenario {
  readonly events: readonly Event[];
  readonly outOfOrdernessMs: number;
  readonly aggregation: Aggregation;
  readonly source: "elements" | "generator";
  readonly batchSize: number;
}

const KEYS = ["a", "b", "c", "d", "e", "f"] as const;
const PARALLELISMS = [1, 4] as const;
const NUM_RUNS = 100;
const TIMEOUT_MS = 30_000;

/**
 * Random events that are out of order but never late. Event i gets `ts = base_i - delay_i`, where base
 * is a non-decreasing walk. Every earlier event has ts <= base_i, and the watermark a record can meet is
 * at most (max earlier ts) - outOfOrderness - 1 (less at parallelism 4, where the window takes the
 * minimum over source subtasks). So delay <= outOfOrderness keeps every record after the watermark.
 *
 * Sessions need one more ms: a record at exactly watermark + 1 may touch a session that ended at
 * watermark + 1 and has already fired, so the run splits what the offline reference merges. Flink
 * behaves the same way; it is a timing effect, not a bug. Hence delay <= outOfOrderness - 1 there.
 */
function scenario(forSessions: boolean): fc.Arbitrary<Scenario> {
  const minOutOfOrderness = forSessions ? 1 : 0;
  return fc.integer({ min: minOutOfOrderness, max: 40 }).chain((outOfOrdernessMs) =>
    fc.record({
      outOfOrdernessMs: fc.constant(outOfOrdernessMs),
      start: fc.integer({ min: -1_000, max: 1_000 }),
      steps: fc.array(
        fc.record({
          key: fc.constantFrom(...KEYS),
          step: fc.integer({ min: 0, max: 15 }),
          delay: fc.integer({ min: 0, max: outOfOrdernessMs - minOutOfOrderness }),
          v: fc.integer({ min: -50, max: 50 }),
        }),
        { maxLength: 300, size: "max" },
      ),
      aggregation: fc.constantFrom(...AGGREGATIONS),
      source: fc.constantFrom("elements" as const, "generator" as const),
      batchSize: fc.integer({ min: 1, max: 64 }),
    }).map(({ start, steps, ...rest }): Scenario => {
      let base = start;
      const events = steps.map(({ key, step, delay, v }) => {
        base += step;
        return { key, ts: base - delay, v };
      });
      return { ...rest, events };
    }),
  );
}

const tumblingSpec: fc.Arbitrary<WindowSpec> = fc
  .integer({ min: 1, max: 50 })
  .chain((size) => fc.record({ type: fc.constant("tumbling" as const), size: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) }));

const slidingSpec: fc.Arbitrary<WindowSpec> = fc
  .integer({ min: 1, max: 60 })
  .chain((size) => fc.record({ size: fc.constant(size), slide: fc.integer({ min: Math.ceil(size / 8), max: size }) }))
  .chain(({ size, slide }) =>
    fc.record({ type: fc.constant("sliding" as const), size: fc.constant(size), slide: fc.constant(slide), offset: fc.integer({ min: -(slide - 1), max: slide - 1 }) }),
  );

const sessionSpec: fc.Arbitrary<WindowSpec> = fc.record({ type: fc.constant("session" as const), gap: fc.integer({ min: 1, max: 30 }) });

// ---------------------------------------------------------------------------------------------------
// The reference: group by key and window with plain arithmetic, then aggregate the values.
// ---------------------------------------------------------------------------------------------------

interface Stats {
  readonly n: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

function aggregateValues(aggregation: Aggregation, vs: readonly number[]): unknown {
  const sum = vs.reduce((a, b) => a + b, 0);
  switch (aggregation) {
    case "sum":
      return sum;
    case "count":
      return vs.length;
    case "min":
      return Math.min(...vs);
    case "max":
      return Math.max(...vs);
    case "aggregate":
      return { n: vs.length, sum, min: Math.min(...vs), max: Math.max(...vs) } satisfies Stats;
    case "process":
      return [...vs].sort((a, b) => a - b);
  }
}

/** Windows [start, end) an event belongs to, for aligned windows: start = offset + k * step. */
function alignedWindows(ts: number, size: number, step: number, offset: number): [number, number][] {
  const first = Math.ceil((ts - size + 1 - offset) / step);
  const last = Math.floor((ts - offset) / step);
  const windows: [number, number][] = [];
  for (let k = first; k <= last; k++) windows.push([offset + k * step, offset + k * step + size]);
  return windows;
}

/** Sessions of one key: sort by time, start a new session when a record is after the current end. */
function sessions(events: readonly Event[], gap: number): { start: number; end: number; vs: number[] }[] {
  const sorted = [...events].sort((a, b) => a.ts - b.ts);
  const out: { start: number; end: number; vs: number[] }[] = [];
  for (const e of sorted) {
    const current = out[out.length - 1];
    // [ts, ts + gap) merges with [start, end) when they overlap or touch: ts <= end.
    if (current !== undefined && e.ts <= current.end) {
      current.end = Math.max(current.end, e.ts + gap);
      current.vs.push(e.v);
    } else {
      out.push({ start: e.ts, end: e.ts + gap, vs: [e.v] });
    }
  }
  return out;
}

function reference(events: readonly Event[], window: WindowSpec, aggregation: Aggregation): Row[] {
  const groups = new Map<string, { key: string; start: number; end: number; vs: number[] }>();
  const add = (key: string, start: number, end: number, v: number): void => {
    const id = `${key}|${start}|${end}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = { key, start, end, vs: [] };
      groups.set(id, group);
    }
    group.vs.push(v);
  };
  if (window.type === "session") {
    for (const key of KEYS) {
      for (const s of sessions(events.filter((e) => e.key === key), window.gap)) for (const v of s.vs) add(key, s.start, s.end, v);
    }
  } else {
    const step = window.type === "tumbling" ? window.size : window.slide;
    for (const e of events) for (const [start, end] of alignedWindows(e.ts, window.size, step, window.offset)) add(e.key, start, end, e.v);
  }
  return sortRows([...groups.values()].map((g) => ({ key: g.key, window: { start: g.start, end: g.end }, value: aggregateValues(aggregation, g.vs) })));
}

function sortRows(rows: readonly Row[]): Row[] {
  return [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.window.start - b.window.start || a.window.end - b.window.end));
}

// ---------------------------------------------------------------------------------------------------
// The same computation as a job on the local runtime.
// ---------------------------------------------------------------------------------------------------

const stats: AggregateFunction<Event, Stats, Stats> = {
  createAccumulator: () => ({ n: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY }),
  add: (e, acc) => ({ n: acc.n + 1, sum: acc.sum + e.v, min: Math.min(acc.min, e.v), max: Math.max(acc.max, e.v) }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ n: a.n + b.n, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }),
};

async function runJob(s: Scenario, window: WindowSpec, parallelism: number): Promise<{ rows: Row[]; lateRecords: number }> {
  const env = StreamEnvironment.create({ parallelism });
  const options = { timestamps: (e: Event) => e.ts, watermarks: boundedOutOfOrderness(s.outOfOrdernessMs), batchSize: s.batchSize };
  const events = s.events;
  const source = s.source === "elements" ? env.fromElements(events, options) : env.fromGenerator(events.length, (i) => events[i]!, options);
  const assigner =
    window.type === "tumbling"
      ? TumblingEventTimeWindows.of(window.size, window.offset)
      : window.type === "sliding"
        ? SlidingEventTimeWindows.of(window.size, window.slide, window.offset)
        : EventTimeSessionWindows.withGap(window.gap);
  const windowed = source.keyBy((e) => e.key).window(assigner);
  let handle: CollectHandle<Row>;
  switch (s.aggregation) {
    case "sum":
      handle = windowed.sum("v").collect();
      break;
    case "count":
      handle = windowed.count().collect();
      break;
    case "min":
      handle = windowed.min("v").collect();
      break;
    case "max":
      handle = windowed.max("v").collect();
      break;
    case "aggregate":
      handle = windowed.aggregate(stats).collect();
      break;
    case "process":
      handle = windowed
        .process<Row>(({ key, window: w }, elements, out) => out.collect({ key, window: w, value: elements.map((e) => e.v).sort((a, b) => a - b) }))
        .collect();
      break;
  }
  const result = await env.execute(`windows-${window.type}-p${parallelism}`);
  return { rows: sortRows(handle.values), lateRecords: lateRecords(result) };
}

function lateRecords(result: ExecutionResult): number {
  let n = 0;
  for (const op of Object.values(result.operators)) n += op.counters.numLateRecordsDropped ?? 0;
  return n;
}

async function checkAgainstReference(s: Scenario, window: WindowSpec): Promise<void> {
  const expected = reference(s.events, window, s.aggregation);
  for (const parallelism of PARALLELISMS) {
    const { rows, lateRecords } = await runJob(s, window, parallelism);
    expect(lateRecords).toBe(0);
    expect(rows).toEqual(expected);
  }
}

describe("keyed event-time windows through the runtime equal an in-memory reference", () => {
  test(
    "tumbling",
    async () => {
      await fc.assert(fc.asyncProperty(scenario(false), tumblingSpec, checkAgainstReference), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );

  test(
    "sliding",
    async () => {
      await fc.assert(fc.asyncProperty(scenario(false), slidingSpec, checkAgainstReference), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );

  test(
    "session",
    async () => {
      await fc.assert(fc.asyncProperty(scenario(true), sessionSpec, checkAgainstReference), { numRuns: NUM_RUNS });
    },
    TIMEOUT_MS,
  );
});

// The reference itself, checked against hand-computed results, so a wrong reference cannot hide a bug.
describe("the reference", () => {
  const events: Event[] = [
    { key: "a", ts: -3, v: 1 },
    { key: "a", ts: 4, v: 2 },
    { key: "b", ts: 5, v: 4 },
    { key: "a", ts: 9, v: 8 },
  ];
  const at = (key: string, start: number, end: number, value: unknown): Row => ({ key, window: { start, end }, value });

  test("tumbling", () => {
    expect(reference(events, { type: "tumbling", size: 5, offset: 0 }, "sum")).toEqual([at("a", -5, 0, 1), at("a", 0, 5, 2), at("a", 5, 10, 8), at("b", 5, 10, 4)]);
    expect(reference(events, { type: "tumbling", size: 5, offset: -1 }, "count")).toEqual([at("a", -6, -1, 1), at("a", 4, 9, 1), at("a", 9, 14, 1), at("b", 4, 9, 1)]);
  });

  test("sliding", () => {
    expect(reference(events, { type: "sliding", size: 10, slide: 5, offset: 0 }, "sum")).toEqual([
      at("a", -10, 0, 1),
      at("a", -5, 5, 3),
      at("a", 0, 10, 10),
      at("a", 5, 15, 8),
      at("b", 0, 10, 4),
      at("b", 5, 15, 4),
    ]);
  });

  test("session", () => {
    // a: [-3,2) and [4,9) do not touch; [4,9) and [9,14) touch and merge.
    expect(reference(events, { type: "session", gap: 5 }, "process")).toEqual([at("a", -3, 2, [1]), at("a", 4, 14, [2, 8]), at("b", 5, 10, [4])]);
    expect(reference(events, { type: "session", gap: 7 }, "aggregate")).toEqual([at("a", -3, 16, { n: 3, sum: 11, min: 1, max: 8 }), at("b", 5, 12, { n: 1, sum: 4, min: 4, max: 4 })]);
  });
});
