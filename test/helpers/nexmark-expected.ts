/**
 * The Nexmark queries' results computed independently of Bicycle's operators: plain loops over
 * `nexmarkEvent(i)`, windows computed from each event's dateTime. Shared by the tests of the API
 * versions (test/nexmark-api.test.ts) and the SQL versions (test/sql/nexmark-sql.test.ts).
 */
import { nexmarkEvent, type Auction, type Bid, type Person } from "../../src/index.ts";
import type * as q0 from "../../examples/nexmark/api/q0.ts";
import type * as q1 from "../../examples/nexmark/api/q1.ts";
import type * as q2 from "../../examples/nexmark/api/q2.ts";
import type * as q5 from "../../examples/nexmark/api/q5.ts";
import type * as q7 from "../../examples/nexmark/api/q7.ts";
import type * as q8 from "../../examples/nexmark/api/q8.ts";
import type * as q11 from "../../examples/nexmark/api/q11.ts";

export const EVENTS = 20_000;
/** 500 events/s of event time: the 20k events span 40 s, so there are several windows of each kind. */
export const RATE = 500;

// ---- the events, generated once by index -------------------------------------------------------

export interface Events {
  readonly bids: Bid[];
  readonly auctions: Auction[];
  readonly persons: Person[];
}

export function generate(outOfOrdernessMs: number): Events {
  const events: Events = { bids: [], auctions: [], persons: [] };
  for (let i = 0; i < EVENTS; i++) {
    const e = nexmarkEvent(i, { firstEventRate: RATE, outOfOrdernessMs });
    if (e.kind === "bid") events.bids.push(e.bid);
    else if (e.kind === "auction") events.auctions.push(e.auction);
    else events.persons.push(e.person);
  }
  return events;
}

export const canon = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

export function windowStart(ts: number, size: number): number {
  return ts - (((ts % size) + size) % size);
}

export function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
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

export function expectedQ0({ bids }: Events): q0.Q0Row[] {
  return bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }));
}

export function expectedQ1({ bids }: Events): q1.Q1Row[] {
  return bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price * 0.908, dateTime: b.dateTime, extra: b.extra }));
}

export function expectedQ2({ bids }: Events): q2.Q2Row[] {
  return bids.filter((b) => b.auction % 123 === 0).map((b) => ({ auction: b.auction, price: b.price }));
}

export function expectedQ5({ bids }: Events): q5.Q5Row[] {
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

export function expectedQ7({ bids }: Events): q7.Q7Row[] {
  const rows: q7.Q7Row[] = [];
  for (const inWindow of groupBy(bids, (b) => windowStart(b.dateTime, 10_000)).values()) {
    const max = Math.max(...inWindow.map((b) => b.price));
    for (const b of inWindow) if (b.price === max) rows.push({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
  }
  return rows;
}

export function expectedQ8({ auctions, persons }: Events): q8.Q8Row[] {
  const sellers = new Set(auctions.map((a) => `${a.seller}@${windowStart(a.dateTime, 10_000)}`));
  return persons
    .filter((p) => sellers.has(`${p.id}@${windowStart(p.dateTime, 10_000)}`))
    .map((p) => ({ id: p.id, name: p.name, starttime: windowStart(p.dateTime, 10_000) }));
}

export function expectedQ11({ bids }: Events): q11.Q11Row[] {
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
