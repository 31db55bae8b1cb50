/**
 * Nexmark q8, "monitor new users": people who registered and opened an auction (as seller) in the same
 * 10 s tumbling window (event time): `id, name, starttime` (Flink's nexmark q8, a join of the windowed
 * persons and windowed auctions on `id = seller` and the same window; one row per person and window).
 *
 * The DataStream API has no window join, so this is one: persons and auctions are mapped to a common
 * tagged record, unioned, keyed by person id (= seller), and cut into 10 s tumbling windows; a window
 * emits its person when it also holds at least one of their auctions.
 * Run it: `bun run bicycle run examples/nexmark/api/q8.ts`
 */
import { TumblingEventTimeWindows, type DataStream, type StreamEnvironment } from "bicycle";
import { EVENTS, type QueryOptions } from "./common.ts";

export { EVENTS, type QueryOptions };

export const WINDOW_SIZE_MS = 10_000;

export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
}

type Side = { readonly side: "person"; readonly id: number; readonly name: string } | { readonly side: "auction"; readonly id: number };

/** The query over the first `events` Nexmark events; the caller attaches the sink. */
export function build(env: StreamEnvironment, events: number, options: QueryOptions = {}): DataStream<Q8Row> {
  const persons = env.fromNexmark("person", { events, ...options }).map((p): Side => ({ side: "person", id: p.id, name: p.name }));
  const auctions = env.fromNexmark("auction", { events, ...options }).map((a): Side => ({ side: "auction", id: a.seller }));
  return persons
    .union(auctions)
    .keyBy((s) => s.id)
    .window(TumblingEventTimeWindows.of(WINDOW_SIZE_MS))
    .process<Q8Row>(
      ({ key, window }, sides, out) => {
        if (!sides.some((s) => s.side === "auction")) return;
        const names = new Set<string>();
        for (const s of sides) if (s.side === "person") names.add(s.name);
        for (const name of names) out.collect({ id: key, name, starttime: window.start });
      },
      { name: "q8 window join" },
    );
}

export default function q8(env: StreamEnvironment): void {
  build(env, EVENTS).print();
}
