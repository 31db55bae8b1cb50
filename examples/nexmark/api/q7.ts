/**
 * Nexmark q7, "highest bid": per 10 s tumbling window (event time), the bid(s) with the highest price
 * (`auction, price, bidder, dateTime, extra`; ties all appear).
 *
 * Flink's SQL joins every bid with the window maxima on `price = maxprice AND dateTime BETWEEN
 * rowtime - 10 s AND rowtime` (rowtime = window end - 1 ms), which also accepts a bid 1 ms before the
 * window whose price happens to equal that window's max; here a bid belongs to its own window
 * `[start, end)` only, as in the CQL original and Beam.
 *
 * Two keyed window stages instead of a join with a global aggregate: (1) bids keyed by auction in
 * 10 s tumbling windows, keeping each auction's top-priced bids (spreads the work over subtasks);
 * (2) those keyed by window start, same windows (stage-1 results carry `window.end - 1`, inside the
 * same window), keeping the overall top price.
 * Run it: `bun run bicycle run examples/nexmark/api/q7.ts`
 */
import { TumblingEventTimeWindows, type Bid, type DataStream, type StreamEnvironment } from "bicycle";
import { EVENTS, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

export const WINDOW_SIZE_MS = 10_000;

export interface Q7Row {
  readonly auction: number;
  readonly price: number;
  readonly bidder: number;
  readonly dateTime: number;
  readonly extra: string;
}

interface Top {
  readonly windowStart: number;
  readonly bids: readonly Bid[];
}

function topPriced(bids: readonly Bid[]): Bid[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const b of bids) if (b.price > max) max = b.price;
  return bids.filter((b) => b.price === max);
}

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q7Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .keyBy((b) => b.auction)
    .window(TumblingEventTimeWindows.of(WINDOW_SIZE_MS))
    .process<Top>(({ window }, bids, out) => out.collect({ windowStart: window.start, bids: topPriced(bids) }), { name: "q7 top per auction" })
    .keyBy((t) => t.windowStart)
    .window(TumblingEventTimeWindows.of(WINDOW_SIZE_MS))
    .process<Q7Row>(
      (_ctx, tops, out) => {
        for (const b of topPriced(tops.flatMap((t) => t.bids))) {
          out.collect({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
        }
      },
      { name: "q7 top per window" },
    );
}

export default function q7(env: StreamEnvironment): void {
  build(env, EVENTS).print();
}
