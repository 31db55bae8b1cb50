/**
 * @module connectors/datagen/nexmark/model
 * The Nexmark schema (Person, Auction, Bid, with the suite's field names), the generator's
 * configuration and its fixed constants and vocabularies (part of the contract the Java twin follows).
 */

/** A new person registering. Times are epoch milliseconds. */
export interface Person {
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** A new auction; `expires` is epoch ms, prices are in cents. */
export interface Auction {
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction; price in cents. */
export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** One event of the global sequence. */
export type NexmarkEvent =
  | { readonly kind: "person"; readonly person: Person }
  | { readonly kind: "auction"; readonly auction: Auction }
  | { readonly kind: "bid"; readonly bid: Bid };

export type NexmarkEventKind = NexmarkEvent["kind"];

/** Generator settings; every field has the Nexmark default (see NEXMARK_DEFAULTS). */
export interface NexmarkGeneratorConfig {
  /** 32-bit seed (ToInt32 of the number); default 0. */
  readonly seed: number;
  /** Events per second of event time (a positive integer): event i is at baseTimeMs + floor(i * 1000 / rate). */
  readonly firstEventRate: number;
  /** Event time of event 0, epoch ms. */
  readonly baseTimeMs: number;
  /** Each event's dateTime lags its nominal time by a draw in [0, outOfOrdernessMs]; 0 = in order. */
  readonly outOfOrdernessMs: number;
  readonly numActivePeople: number;
  readonly numInFlightAuctions: number;
  /** 1 in hotAuctionRatio bids pick any in-flight auction, the others the current hot one. */
  readonly hotAuctionRatio: number;
  readonly hotSellersRatio: number;
  readonly hotBiddersRatio: number;
}

export const NEXMARK_DEFAULTS: NexmarkGeneratorConfig = {
  seed: 0,
  firstEventRate: 10_000,
  baseTimeMs: 1_436_918_400_000, // 2015-07-15T00:00:00Z, Nexmark's base time
  outOfOrdernessMs: 0,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
};

/** The watermark bound sources use by default (Nexmark's 4 s out-of-orderness). */
export const NEXMARK_WATERMARK_DELAY_MS = 4000;

// Epoch layout: of every 50 consecutive events, offset 0 is a person, 1..3 auctions, 4..49 bids.
export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
/** How far past the last generated id a random person / auction id may reach. */
export const PERSON_ID_LEAD = 10;
export const AUCTION_ID_LEAD = 10;
/** Hot sellers / bidders / auctions are the first of each group of 100 ids. */
export const HOT_SELLER_GROUP = 100;
export const HOT_BIDDER_GROUP = 100;
export const HOT_AUCTION_GROUP = 100;
/** Average serialized sizes the `extra` field pads events towards. */
export const AVG_PERSON_BYTES = 200;
export const AVG_AUCTION_BYTES = 500;
export const AVG_BID_BYTES = 100;
/** 1 in HOT_CHANNELS_RATIO bids come from one of the many numbered channels. */
export const HOT_CHANNELS_RATIO = 2;
export const CHANNELS_NUMBER = 10_000;

export const HOT_CHANNELS: readonly string[] = ["Google", "Facebook", "Baidu", "Apple"];
export const US_STATES: readonly string[] = ["AZ", "CA", "ID", "OR", "WA", "WY"];
export const US_CITIES: readonly string[] = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
export const FIRST_NAMES: readonly string[] = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
export const LAST_NAMES: readonly string[] = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
