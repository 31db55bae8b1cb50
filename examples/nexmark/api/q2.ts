/**
 * Nexmark q2, "selection": the auction and price of bids on every 123rd auction
 * (`SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`, Flink's and Beam's form).
 *
 * The original CQL query picks the fixed ids 1007, 1020, 2001, 2019 and 2087. Our auction ids start
 * at 1000 and grow by 3 every 50 events while bids only reach the ~110 newest auctions, so a fixed id
 * list only matches during a short stretch of the stream (ids near 2000 appear after ~17k events and
 * are gone soon after); the modulo keeps a steady ~1/123 of the auctions selected at any stream length.
 * Run it: `bun run bicycle run examples/nexmark/api/q2.ts`
 */
import type { DataStream, StreamEnvironment } from "bicycle";
import { EVENTS, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

/** Bids on auctions whose id is a multiple of this are kept. */
export const AUCTION_SKIP = 123;

export interface Q2Row {
  readonly auction: number;
  readonly price: number;
}

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q2Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .filter((b) => b.auction % AUCTION_SKIP === 0, { name: "q2 filter" })
    .map((b): Q2Row => ({ auction: b.auction, price: b.price }), { name: "q2 project" });
}

export default function q2(env: StreamEnvironment): void {
  build(env, EVENTS).discard();
}
