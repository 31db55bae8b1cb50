/**
 * Nexmark q11, "user sessions": per bidder, the number of bids in each session of activity, sessions
 * closing after 10 s (event time) without a bid: `bidder, bid_count, starttime, endtime` (Flink's
 * nexmark q11; endtime = last bid + gap). Bids 10 s apart or closer are one session (windows that
 * touch merge, as in Flink).
 * Run it: `bun run bicycle run examples/nexmark/api/q11.ts`
 */
import { EventTimeSessionWindows, type DataStream, type StreamEnvironment } from "bicycle";
import { EVENTS, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

export const SESSION_GAP_MS = 10_000;

export interface Q11Row {
  readonly bidder: number;
  readonly bid_count: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q11Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(SESSION_GAP_MS))
    .count({ name: "q11 bids per session" })
    .map((r): Q11Row => ({ bidder: r.key, bid_count: r.value, starttime: r.window.start, endtime: r.window.end }));
}

export default function q11(env: StreamEnvironment): void {
  build(env, EVENTS).discard();
}
