/**
 * The Nexmark queries written with the DataStream API (examples/nexmark/api/q*.ts), each run on a
 * bounded generator at parallelism 1 and 3 and compared, as a multiset of rows, with an independent
 * computation over `nexmarkEvent(i)` for the same events: plain loops, windows computed from each
 * event's dateTime, no Bicycle operators. Also checks that no record was late (in-order generation,
 * 4 s bounded-out-of-orderness watermark), so the windowed results are complete.
 */
import { describe, expect, test } from "bun:test";
import { nexmarkEvent, StreamEnvironment, type Auction, type Bid, type CollectHandle, type ExecutionResult, type Person } from "../src/index.ts";
import { NEXMARK_WATERMARK_DELAY_MS } from "../src/connectors/datagen/nexmark/index.ts";
import * as q0 from "../examples/nexmark/api/q0.ts";
import * as q1 from "../examples/nexmark/api/q1.ts";
import * as q2 from "../examples/nexmark/api/q2.ts";
import * as q5 from "../examples/nexmark/api/q5.ts";
import * as q7 from "../examples/nexmark/api/q7.ts";
import * as q8 from "../examples/nexmark/api/q8.ts";
import * as q11 from "../examples/nexmark/api/q11.ts";

const EVENTS = 20_000;
/** 500 events/s of event time: the 20k events span 40 s, so there are several windows of each kind. */
const RATE = 500;

// ---- the events, generated once by index -------------------------------------------------------

interface Events {
  readonly bids: Bid[];
  readonly auctions: Auction[];
  readonly persons: Person[];
}

function generate(outOfOrdernessMs: number): Events {
  const events: Events = { bids: [], auctions: [], persons: [] };
  for (let i = 0; i < EVENTS; i++) {
    const e = nexmarkEvent(i, { firstEventRate: RATE, outOfOrdernessMs });
    if (e.kind === "bid") events.bids.push(e.bid);
    else if (e.kind === "auction") events.auctions.push(e.auction);
    else events.persons.push(e.person);
  }
  return events;
}

const canon = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

function windowStart(ts: number, size: number): number {
  return ts - (((ts % size) + size) % size);
}

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list === undefined) m.set(k, [x]);
    else list.push(x);
  }
  return m;
}

// ---- independent computations ------------------------------------------------------------------

function expectedQ0({ bids }: Events): q0.Q0Row[] {
  return bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }));
}

function expectedQ1({ bids }: Events): q1.Q1Row[] {
  return bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, dateTime: b.dateTime, extra: b.extra }));
}

function expectedQ2({ bids }: Events): q2.Q2Row[] {
  return bids.filter((b) => b.auction % 123 === 0).map((b) => ({ auction: b.auction, price: b.price }));
}

function expectedQ5({ bids }: Events): q5.Q5Row[] {
  const size = 10_000;
  const slide = 2_000;
  // window start -> auction -> count
  const counts = new Map<number, Map<number, number>>();
  for (const b of bids) {
    const last = windowStart(b.dateTime, slide);
    for (let start = last; start > b.dateTime - size; start -= slide) {
      let perAuction = counts.get(start);
      if (perAuction === undefined) counts.set(start, (perAuction = new Map()));
      perAuction.set(b.auction, (perAuction.get(b.auction) ?? 0) + 1);
    }
  }
  const rows: q5.Q5Row[] = [];
  for (const [start, perAuction] of counts) {
    const max = Math.max(...perAuction.values());
    for (const [auction, num] of perAuction) if (num === max) rows.push({ auction, num, starttime: start, endtime: start + size });
  }
  return rows;
}

function expectedQ7({ bids }: Events): q7.Q7Row[] {
  const rows: q7.Q7Row[] = [];
  for (const inWindow of groupBy(bids, (b) => windowStart(b.dateTime, 10_000)).values()) {
    const max = Math.max(...inWindow.map((b) => b.price));
    for (const b of inWindow) if (b.price === max) rows.push({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
  }
  return rows;
}

function expectedQ8({ auctions, persons }: Events): q8.Q8Row[] {
  const sellers = new Set(auctions.map((a) => `${a.seller}@${windowStart(a.dateTime, 10_000)}`));
  return persons
    .filter((p) => sellers.has(`${p.id}@${windowStart(p.dateTime, 10_000)}`))
    .map((p) => ({ id: p.id, name: p.name, starttime: windowStart(p.dateTime, 10_000) }));
}

function expectedQ11({ bids }: Events): q11.Q11Row[] {
  const gap = 10_000;
  const rows: q11.Q11Row[] = [];
  for (const [bidder, ofBidder] of groupBy(bids, (b) => b.bidder)) {
    const times = ofBidder.map((b) => b.dateTime).sort((a, b) => a - b);
    let start = times[0]!;
    let last = start;
    let n = 0;
    for (const t of times) {
      if (t - last > gap) {
        rows.push({ bidder, bid_count: n, starttime: start, endtime: last + gap });
        start = t;
        n = 0;
      }
      last = t;
      n++;
    }
    rows.push({ bidder, bid_count: n, starttime: start, endtime: last + gap });
  }
  return rows;
}

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
