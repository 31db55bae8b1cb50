/**
 * `bun run bench:core`: events/s through the engine core on the embedded runtime, parallelism 1.
 *   (a) generator -> map -> filter -> discard            (stateless, chained into one task)
 *   (b) generator -> keyBy -> tumbling count, 10k keys    (keyed exchange + window state + timers)
 * Flags: --events N (default 10M), --runs R (default 3; the median is reported).
 */
import { parseArgs } from "node:util";
import { forMonotonousTimestamps, StreamEnvironment, TumblingEventTimeWindows } from "../src/index.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "10000000" },
    runs: { type: "string", default: "3" },
    // Also run (b) with checkpoints every N ms (memory state) to measure their cost.
    "checkpoint-interval": { type: "string", default: "0" },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const CHECKPOINT_INTERVAL = Number(values["checkpoint-interval"]);

interface Event {
  key: number;
  value: number;
  ts: number;
}

async function stateless(): Promise<number> {
  const env = StreamEnvironment.create({ parallelism: 1 });
  env
    .fromGenerator(EVENTS, (i): Event => ({ key: i % 10_000, value: i, ts: i }))
    .map((e) => ({ key: e.key, value: e.value * 2, ts: e.ts }))
    .filter((e) => (e.value & 3) === 0)
    .discard();
  const r = await env.execute("bench-stateless");
  return r.durationMs;
}

let checkpointsDone = 0;

async function windowed(checkpointInterval = 0): Promise<number> {
  const env = StreamEnvironment.create({ parallelism: 1, checkpointInterval });
  let discarded = 0;
  env
    // 10k keys; event time advances 1 ms per 1000 events (1M events/s of event time), so a 1 s window
    // holds 1M events, about 100 per key.
    .fromGenerator(EVENTS, (i): Event => ({ key: (i * 7919) % 10_000, value: 1, ts: Math.floor(i / 1000) }), { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps() })
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(1000))
    .count()
    .sinkTo((values) => {
      discarded += values.length;
    });
  const r = await env.execute("bench-window");
  checkpointsDone = (r as { checkpoints?: { counts: { completed: number } } }).checkpoints?.counts.completed ?? 0;
  if (discarded === 0) throw new Error("window benchmark produced no results");
  return r.durationMs;
}

async function measure(name: string, run: () => Promise<number>): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run());
  const ms = median(times);
  const rate = EVENTS / (ms / 1000);
  console.log(`${name.padEnd(44)} ${(rate / 1e6).toFixed(2).padStart(7)} M events/s   (${EVENTS.toLocaleString("en-US")} events, median of ${RUNS}: ${ms.toFixed(0)} ms)`);
}

console.log(`bench:core on Bun ${Bun.version}, parallelism 1`);
await measure("(a) source -> map -> filter -> discard", stateless);
await measure("(b) keyBy -> tumbling count, 10k keys", () => windowed());
if (CHECKPOINT_INTERVAL > 0) {
  await measure(`(b) with checkpoints every ${CHECKPOINT_INTERVAL} ms`, () => windowed(CHECKPOINT_INTERVAL));
  console.log(`    (${checkpointsDone} checkpoints completed in the last run)`);
}
