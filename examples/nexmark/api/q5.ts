/**
 * Nexmark q5, "hot items": per sliding window of 10 s every 2 s (event time), the auction(s) with the
 * most bids, with their bid count (Flink's nexmark q5: HOP count per auction joined with the max count
 * per window on `num >= maxn`, so ties all appear). Rows also carry the window bounds
 * (`starttime`, `endtime`); Flink's q5 selects only `auction, num`.
 *
 * Two keyed window stages instead of a join: (1) bids keyed by auction, SlidingEventTimeWindows(10 s,
 * 2 s), count; (2) those counts keyed by their window's start and cut again into 2 s tumbling windows.
 * A stage-1 result carries the timestamp `window.end - 1`, and window ends are multiples of 2 s, so all
 * counts of one sliding window land in exactly one stage-2 window, which fires once the watermark has
 * passed that end: it keeps the counts equal to the window's maximum.
 * Run it: `bun run bicycle run examples/nexmark/api/q5.ts`
 */
import { SlidingEventTimeWindows, TumblingEventTimeWindows, type DataStream, type StreamEnvironment } from "bicycle";
import { EVENTS, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

export const WINDOW_SIZE_MS = 10_000;
export const WINDOW_SLIDE_MS = 2_000;

export interface Q5Row {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q5Row> {
  return env
    .fromNexmark("bid", { events, ...options })
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of(WINDOW_SIZE_MS, WINDOW_SLIDE_MS))
    .count({ name: "q5 bids per auction" })
    .keyBy((r) => r.window.start)
    .window(TumblingEventTimeWindows.of(WINDOW_SLIDE_MS))
    .process<Q5Row>(
      (_ctx, counts, out) => {
        let max = 0;
        for (const c of counts) if (c.value > max) max = c.value;
        for (const c of counts) {
          if (c.value === max) out.collect({ auction: c.key, num: c.value, starttime: c.window.start, endtime: c.window.end });
        }
      },
      { name: "q5 hottest per window" },
    );
}

export default function q5(env: StreamEnvironment): void {
  build(env, EVENTS).print();
}
