/**
 * The Nexmark queries written with the DataStream API (examples/nexmark/api/q*.ts), each run on a
 * bounded generator at parallelism 1 and 3 and compared, as a multiset of rows, with an independent
 * computation over `nexmarkEvent(i)` for the same events: plain loops, windows computed from each
 * event's dateTime, no Bicycle operators. Also checks that no record was late (in-order generation,
 * 4 s bounded-out-of-orderness watermark), so the windowed results are complete.
 */
import { describe, expect, test } from "bun:test";
import { nexmarkEvent, StreamEnvironment, type CollectHandle, type ExecutionResult } from "../src/index.ts";
import { canon, EVENTS, expectedQ0, expectedQ1, expectedQ11, expectedQ2, expectedQ5, expectedQ7, expectedQ8, generate, RATE, type Events } from "./helpers/nexmark-expected.ts";
import { NEXMARK_WATERMARK_DELAY_MS } from "../src/connectors/datagen/nexmark/index.ts";
import * as q0 from "../examples/nexmark/api/q0.ts";
import * as q1 from "../examples/nexmark/api/q1.ts";
import * as q2 from "../examples/nexmark/api/q2.ts";
import * as q5 from "../examples/nexmark/api/q5.ts";
import * as q7 from "../examples/nexmark/api/q7.ts";
import * as q8 from "../examples/nexmark/api/q8.ts";
import * as q11 from "../examples/nexmark/api/q11.ts";

// ---- the runs ----------------------------------------------------------------------------------

interface QueryCase {
  readonly name: string;
  /** Builds the query over EVENTS events with a collecting sink. */
  readonly run: (env: StreamEnvironment, options: q0.QueryOptions) => CollectHandle<unknown>;
  readonly expected: (events: Events) => unknown[];
  readonly windowed: boolean;
  /** The independent computation must give more rows than this (so the comparison means something). */
  readonly minRows: number;
}

/** In-order events, and events lagging by up to the watermark bound (windowed queries only). */
const OUT_OF_ORDERNESS = [0, NEXMARK_WATERMARK_DELAY_MS];

const QUERIES: QueryCase[] = [
  { name: "q0", run: (env, o) => q0.build(env, EVENTS, o).collect(), expected: expectedQ0, windowed: false, minRows: 10000 },
  { name: "q1", run: (env, o) => q1.build(env, EVENTS, o).collect(), expected: expectedQ1, windowed: false, minRows: 10000 },
  { name: "q2", run: (env, o) => q2.build(env, EVENTS, o).collect(), expected: expectedQ2, windowed: false, minRows: 20 },
  { name: "q5", run: (env, o) => q5.build(env, EVENTS, o).collect(), expected: expectedQ5, windowed: true, minRows: 19 },
  { name: "q7", run: (env, o) => q7.build(env, EVENTS, o).collect(), expected: expectedQ7, windowed: true, minRows: 3 },
  { name: "q8", run: (env, o) => q8.build(env, EVENTS, o).collect(), expected: expectedQ8, windowed: true, minRows: 10 },
  { name: "q11", run: (env, o) => q11.build(env, EVENTS, o).collect(), expected: expectedQ11, windowed: true, minRows: 100 },
];

function lateRecords(result: ExecutionResult): number {
  let late = 0;
  for (const op of Object.values(result.operators)) late += op.counters["numLateRecordsDropped"] ?? 0;
  return late;
}

describe("Nexmark queries with the DataStream API", () => {
  for (const outOfOrdernessMs of OUT_OF_ORDERNESS) {
    test(`the generator (out-of-orderness ${outOfOrdernessMs} ms): no event is behind the default 4 s watermark`, () => {
      let maxSeen = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < EVENTS; i++) {
        const e = nexmarkEvent(i, { firstEventRate: RATE, outOfOrdernessMs });
        const t = e.kind === "bid" ? e.bid.dateTime : e.kind === "auction" ? e.auction.dateTime : e.person.dateTime;
        // the bounded-out-of-orderness watermark is (max seen - 4000 - 1): a record at or before it is late
        expect(t).toBeGreaterThan(maxSeen - NEXMARK_WATERMARK_DELAY_MS - 1);
        maxSeen = Math.max(maxSeen, t);
      }
    });
  }

  for (const outOfOrdernessMs of OUT_OF_ORDERNESS) {
    const events = generate(outOfOrdernessMs);
    for (const q of QUERIES) {
      if (outOfOrdernessMs > 0 && !q.windowed) continue;
      const expected = canon(q.expected(events));
      const label = `${q.name} (out-of-orderness ${outOfOrdernessMs} ms)`;
      test(`${label}: the independent computation has results`, () => {
        expect(expected.length).toBeGreaterThan(q.minRows);
      });
      for (const parallelism of [1, 3]) {
        test(`${label} at parallelism ${parallelism} equals the independent computation (${expected.length} rows)`, async () => {
          const env = StreamEnvironment.create({ parallelism });
          const out = q.run(env, { rate: RATE, outOfOrdernessMs });
          const result = await env.execute(`nexmark-${q.name}`);
          expect(canon(out.values)).toEqual(expected);
          if (q.windowed) expect(lateRecords(result)).toBe(0);
        });
      }
    }
  }
});
