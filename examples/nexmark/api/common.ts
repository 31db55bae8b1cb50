/**
 * What the Nexmark queries under examples/nexmark/api share: the event count of the runnable jobs,
 * the generator settings tests pass to `build`, and the projected bid row of q0-q2.
 */
import type { NexmarkStreamOptions } from "bicycle";

/** Events of the global Nexmark sequence (all kinds) the runnable jobs read. */
export const EVENTS = 100_000;

/** Generator settings besides the event count (e.g. `rate`: event-time events/s, default 10,000). */
export type QueryOptions = Pick<NexmarkStreamOptions, "rate" | "seed" | "baseTimeMs" | "outOfOrdernessMs" | "paced" | "batchSize" | "watermarks">;

/** A bid projected to the columns of Flink's q0 (`auction, bidder, price, dateTime, extra`). */
export interface BidRow {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}
