/**
 * `env.fromNexmark` through the local runtime: the same events at parallelism 1 and 3, event-time
 * windows over out-of-order bids against an independent count (no event is late under the default
 * 4 s watermark), and a stop-with-savepoint / resume giving the same multiset as an uninterrupted run.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NexmarkGenerator, StreamEnvironment, TumblingEventTimeWindows, type Bid, type NexmarkEvent } from "../../src/index.ts";
import { executeLocally, type RunningJob } from "../../src/runtime/index.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-nexmark-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sorted = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).sort();

test("fromNexmark gives the same events at parallelism 1 and 3", async () => {
  const runs: NexmarkEvent[][] = [];
  for (const parallelism of [1, 3]) {
    const env = StreamEnvironment.create({ parallelism });
    const out = env.fromNexmark("all", { events: 20_000, seed: 11 }).collect();
    await env.execute("nexmark-all");
    runs.push(out.values);
  }
  expect(runs[0]!.length).toBe(20_000);
  const gen = new NexmarkGenerator({ seed: 11 });
  expect(sorted(runs[0]!)).toEqual(sorted(Array.from({ length: 20_000 }, (_, i) => gen.event(i))));
  expect(sorted(runs[1]!)).toEqual(sorted(runs[0]!));
});

test("1 s tumbling windows over out-of-order bids match an independent count (nothing late)", async () => {
  const options = { events: 30_000, rate: 1000, outOfOrdernessMs: 3000 };
  const env = StreamEnvironment.create({ parallelism: 2 });
  const out = env
    .fromNexmark("bid", options)
    .keyBy((b: Bid) => b.channel.startsWith("channel-") ? "numbered" : b.channel)
    .window(TumblingEventTimeWindows.of(1000))
    .count()
    .collect();
  await env.execute("nexmark-windows");
  const expected = new Map<string, number>();
  const gen = new NexmarkGenerator({ firstEventRate: 1000, outOfOrdernessMs: 3000 });
  for (let i = 0; i < options.events; i++) {
    const e = gen.event(i);
    if (e.kind !== "bid") continue;
    const key = `${e.bid.channel.startsWith("channel-") ? "numbered" : e.bid.channel}@${Math.floor(e.bid.dateTime / 1000) * 1000}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const got = new Map(out.values.map((r) => [`${r.key}@${r.window.start}`, r.value]));
  expect(got).toEqual(expected);
});

test("stop with a savepoint at parallelism 2 and resume at 3: the same multiset as an uninterrupted run", async () => {
  const options = { events: 40_000, paced: true, rate: 40_000, batchSize: 100, uid: "bids" };
  const build = (env: StreamEnvironment) => env.fromNexmark("bid", options).collect({ uid: "out" });
  const whole = StreamEnvironment.create({ parallelism: 1 });
  const expected = build(whole);
  await whole.execute("nexmark-sp");

  const env = StreamEnvironment.create({ parallelism: 2 });
  const first = build(env);
  let handle: RunningJob | undefined;
  const done = executeLocally(env.getJobDefinition("nexmark-sp"), { onStart: (h) => (handle = h), checkpointDir: join(root, "chk") });
  await Bun.sleep(300);
  const dir = join(root, "sp");
  await handle!.stopWithSavepoint(dir);
  await done;
  expect(first.values.length).toBeGreaterThan(0);
  expect(first.values.length).toBeLessThan(expected.values.length);

  const resumedEnv = StreamEnvironment.create({ parallelism: 3 });
  const rest = resumedEnv.fromNexmark("bid", { ...options, paced: false }).collect({ uid: "out" });
  await executeLocally(resumedEnv.getJobDefinition("nexmark-sp"), { fromSavepoint: dir });
  expect(sorted([...first.values, ...rest.values])).toEqual(sorted(expected.values));
}, 30_000);
