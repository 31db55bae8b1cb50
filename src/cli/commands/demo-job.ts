/**
 * @module cli/commands/demo-job
 * The seed's demo pipeline: built-in events with one out-of-order record (within the 1 s watermark
 * bound) and two non-positive values the filter drops, keyed by `key`, summed in 5 s tumbling
 * event-time windows.
 */
import { boundedOutOfOrderness, StreamEnvironment, TumblingEventTimeWindows } from "../../index.ts";

export interface DemoEvent {
  readonly key: string;
  readonly value: number;
  readonly ts: number;
}

/** Arrival order. The 4500 ms event arrives after 5200 ms (out of order, 700 ms < 1000 ms bound). */
export const DEMO_EVENTS: readonly DemoEvent[] = [
  { key: "a", value: 1, ts: 1000 },
  { key: "b", value: 2, ts: 1500 },
  { key: "a", value: -3, ts: 2000 },
  { key: "a", value: 10, ts: 5200 },
  { key: "a", value: 3, ts: 4500 },
  { key: "b", value: 4, ts: 6000 },
  { key: "a", value: 6, ts: 7000 },
  { key: "b", value: 0, ts: 9000 },
  { key: "a", value: 6, ts: 11000 },
  { key: "b", value: 2, ts: 12000 },
  { key: "b", value: 5, ts: 16000 },
  { key: "b", value: 3, ts: 19000 },
];

/** Build the demo pipeline on `env`, printing one line per window result. */
export function buildDemo(env: StreamEnvironment): void {
  env
    .fromElements(DEMO_EVENTS, { timestamps: (e) => e.ts, watermarks: boundedOutOfOrderness(1000), batchSize: 1 })
    .filter((e) => e.value > 0)
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(5000))
    .sum("value")
    .map((r) => `window=[${r.window.start}..${r.window.end}] key=${r.key} sum=${r.value}`)
    .print();
}

export async function runDemo(): Promise<void> {
  const env = StreamEnvironment.create({ parallelism: 1 });
  buildDemo(env);
  await env.execute("demo");
}
