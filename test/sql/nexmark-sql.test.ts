/**
 * The Nexmark queries in SQL (examples/nexmark/q*.sql), each run on a bounded generator at parallelism
 * 1 and 3 and compared, as a multiset of rows, with the same query written with the DataStream API
 * (examples/nexmark/api/q*.ts) and with an independent computation (plain loops over the same events,
 * test/helpers/nexmark-expected.ts). Windowed queries also run with events out of order by up to the
 * watermark bound, and must drop no record as late.
 */
import { describe, expect, test } from "bun:test";
import { StreamEnvironment, type CollectHandle } from "../../src/index.ts";
import { NEXMARK_WATERMARK_DELAY_MS } from "../../src/connectors/datagen/nexmark/index.ts";
import * as q0 from "../../examples/nexmark/api/q0.ts";
import * as q1 from "../../examples/nexmark/api/q1.ts";
import * as q2 from "../../examples/nexmark/api/q2.ts";
import * as q5 from "../../examples/nexmark/api/q5.ts";
import * as q7 from "../../examples/nexmark/api/q7.ts";
import * as q8 from "../../examples/nexmark/api/q8.ts";
import * as q11 from "../../examples/nexmark/api/q11.ts";
import { canon, EVENTS, expectedQ0, expectedQ1, expectedQ11, expectedQ2, expectedQ5, expectedQ7, expectedQ8, generate, RATE, type Events } from "../helpers/nexmark-expected.ts";
import { runSqlWithResult } from "./run-sql.ts";

interface QueryCase {
  readonly name: string;
  readonly api: (env: StreamEnvironment, options: q0.QueryOptions) => CollectHandle<unknown>;
  readonly expected: (events: Events) => unknown[];
  readonly windowed: boolean;
}

const QUERIES: QueryCase[] = [
  { name: "q0", api: (env, o) => q0.build(env, EVENTS, o).collect(), expected: expectedQ0, windowed: false },
  { name: "q1", api: (env, o) => q1.build(env, EVENTS, o).collect(), expected: expectedQ1, windowed: false },
  { name: "q2", api: (env, o) => q2.build(env, EVENTS, o).collect(), expected: expectedQ2, windowed: false },
  { name: "q5", api: (env, o) => q5.build(env, EVENTS, o).collect(), expected: expectedQ5, windowed: true },
  { name: "q7", api: (env, o) => q7.build(env, EVENTS, o).collect(), expected: expectedQ7, windowed: true },
  { name: "q8", api: (env, o) => q8.build(env, EVENTS, o).collect(), expected: expectedQ8, windowed: true },
  { name: "q11", api: (env, o) => q11.build(env, EVENTS, o).collect(), expected: expectedQ11, windowed: true },
];

describe("Nexmark queries in SQL", () => {
  for (const outOfOrdernessMs of [0, NEXMARK_WATERMARK_DELAY_MS]) {
    const events = generate(outOfOrdernessMs);
    for (const q of QUERIES) {
      if (outOfOrdernessMs > 0 && !q.windowed) continue;
      const expected = canon(q.expected(events));
      for (const parallelism of [1, 3]) {
        test(`${q.name} (out-of-orderness ${outOfOrdernessMs} ms) at parallelism ${parallelism}: SQL = API = independent computation (${expected.length} rows)`, async () => {
          const sql = await Bun.file(`${import.meta.dir}/../../examples/nexmark/${q.name}.sql`).text();
          const { rows, late } = await runSqlWithResult(sql, { parallelism, nexmark: { events: EVENTS, rate: RATE, outOfOrdernessMs } });
          const env = StreamEnvironment.create({ parallelism });
          const out = q.api(env, { rate: RATE, outOfOrdernessMs });
          await env.execute(`nexmark-api-${q.name}`);
          expect(canon(rows)).toEqual(canon(out.values));
          expect(canon(rows)).toEqual(expected);
          if (q.windowed) expect(late).toBe(0);
        });
      }
    }
  }
});
