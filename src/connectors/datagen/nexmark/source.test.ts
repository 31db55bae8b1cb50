/**
 * NexmarkSource on its own: the same events at parallelism 1 and 3, table sources as filters of the
 * global sequence, timestamps from dateTime, and snapshot/restore at another parallelism.
 */
import { expect, test } from "bun:test";
import type { SourceContext } from "../../../core/index.ts";
import { NexmarkGenerator } from "./generator.ts";
import { NexmarkSource } from "./source.ts";

const ctx = (subtaskIndex: number, parallelism: number) => ({ location: { subtaskIndex, parallelism }, maxParallelism: 128 }) as unknown as SourceContext;

/** Read every subtask to the end (or `polls` polls each); returns values, timestamps and snapshots. */
function read(config: Record<string, unknown>, parallelism: number, polls = Infinity, restore?: unknown[]) {
  const values: unknown[] = [];
  const timestamps: number[] = [];
  const snapshots: unknown[] = [];
  for (let s = 0; s < parallelism; s++) {
    const source = new NexmarkSource(config);
    if (restore) source.restoreState(restore, ctx(s, parallelism).location);
    source.open(ctx(s, parallelism));
    const out = { collect: (v: unknown[], t?: number[]) => (values.push(...v), timestamps.push(...t!)) };
    for (let n = 0; n < polls && source.pollNext(out) === "more"; n++);
    snapshots.push(source.snapshotState());
  }
  return { values, timestamps, snapshots };
}
const sorted = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

test("same events at parallelism 1 and 3; tables are the global sequence filtered by kind", () => {
  const base = { events: 5000, batchSize: 64, seed: 3 };
  const one = read({ ...base, table: "all" }, 1);
  const gen = new NexmarkGenerator({ seed: 3 });
  expect(one.values).toEqual(Array.from({ length: 5000 }, (_, i) => gen.event(i)));
  expect(sorted(read({ ...base, table: "all" }, 3).values)).toEqual(sorted(one.values));
  for (const table of ["bid", "auction", "person"] as const) {
    const expected = (one.values as Array<Record<string, unknown>>).filter((e) => e.kind === table).map((e) => e[table]);
    const got = read({ ...base, table }, 3);
    expect(sorted(got.values)).toEqual(sorted(expected));
    expect(got.timestamps).toEqual((got.values as Array<{ dateTime: number }>).map((v) => v.dateTime));
  }
});

test("a snapshot taken at parallelism 2 restores at 3 and at 1 to the rest of the sequence", () => {
  const config = { events: 7000, batchSize: 50, table: "bid" };
  const whole = sorted(read(config, 1).values);
  for (const q of [3, 1]) {
    const first = read(config, 2, 20);
    expect(first.values.length).toBeGreaterThan(0);
    const rest = read(config, q, Infinity, first.snapshots);
    expect(sorted([...first.values, ...rest.values])).toEqual(whole);
  }
});

test("bad options name the key", () => {
  expect(() => new NexmarkSource({ table: "bids", events: 1 })).toThrow(/table/);
  expect(() => new NexmarkSource({ table: "bid", events: -1 })).toThrow(/events/);
  expect(() => new NexmarkSource({ table: "bid", events: 1, rate: 0 })).toThrow(/rate/);
});
