/**
 * Nexmark q1, "currency conversion": every bid with its price converted from dollars to euros,
 * `price * 0.908` as in Flink's nexmark q1 (Beam's original uses `89 * price / 100`). Prices are in
 * cents, so the result is a (fractional) number of euro cents.
 * Run it: `bun run bicycle run examples/nexmark/api/q1.ts`
 */
import type { DataStream, StreamEnvironment } from "bicycle";
import { EVENTS, type BidRow, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

/** The dollar -> euro rate of Flink's nexmark q1. */
export const DOL_TO_EUR = 0.908;

export type Q1Row = BidRow;

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q1Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .map((b): Q1Row => ({ auction: b.auction, bidder: b.bidder, price: DOL_TO_EUR * b.price, dateTime: b.dateTime, extra: b.extra }), { name: "q1" });
}

export default function q1(env: StreamEnvironment): void {
  build(env, EVENTS).discard();
}
