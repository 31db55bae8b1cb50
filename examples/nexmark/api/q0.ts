/**
 * Nexmark q0, "pass through": every bid, projected to the columns of Flink's nexmark q0
 * (`SELECT auction, bidder, price, dateTime, extra FROM bid`). Measures the source and record
 * handling overhead.
 * Run it: `bun run bicycle run examples/nexmark/api/q0.ts`
 */
import type { DataStream, StreamEnvironment } from "bicycle";
import { EVENTS, type BidRow, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

export type Q0Row = BidRow;

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q0Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .map((b): Q0Row => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }), { name: "q0" });
}

export default function q0(env: StreamEnvironment): void {
  build(env, EVENTS).discard();
}
