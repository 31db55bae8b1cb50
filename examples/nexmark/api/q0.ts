/**
 * Nexmark q0, "pass through": every bid, projected to the columns of Flink's nexmark q0
 * (`SELECT auction, bidder, price, dateTime, extra FROM bid`). Measures the source and record
 * handling overhead.
 * Run it: `bun run bicycle run examples/nexmark/api/q0.ts`
 */
import type { DataStream, NexmarkStreamOptions, StreamEnvironment } from "bicycle";

/** Events of the global Nexmark sequence (all kinds) the job reads. */
export const EVENTS = 100_000;

export interface Q0Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

/** Generator settings besides the event count (e.g. `rate`: event-time events/s, default 10,000). */
export type QueryOptions = Pick<NexmarkStreamOptions, "rate" | "seed" | "baseTimeMs" | "outOfOrdernessMs" | "paced" | "batchSize" | "watermarks">;

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q0Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .map((b): Q0Row => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }), { name: "q0" });
}

export default function q0(env: StreamEnvironment): void {
  build(env, EVENTS).discard();
}
