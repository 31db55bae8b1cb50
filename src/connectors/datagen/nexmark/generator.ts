/**
 * @module connectors/datagen/nexmark/generator
 * The Nexmark event generator as a pure function of the event index: `nexmarkEvent(i, config)` is
 * the same object for the same (i, config) at any time, in any process, at any parallelism. Follows
 * the Nexmark design (Beam/Flink's GeneratorConfig, Person/Auction/BidGenerator): 1:3:46 epochs of 50
 * events, ids derived from the index, hot auctions/sellers/bidders, active-people and in-flight-auction
 * windows; but with integer-only arithmetic and its own random stream (./random.ts), so a Java twin can
 * reproduce it exactly. The full algorithm, draw by draw, is in ../README.md.
 */
import { ConfigError } from "../../../core/index.ts";
import {
  AUCTION_ID_LEAD,
  AUCTION_PROPORTION,
  AVG_AUCTION_BYTES,
  AVG_BID_BYTES,
  AVG_PERSON_BYTES,
  CHANNELS_NUMBER,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_NAMES,
  FIRST_PERSON_ID,
  HOT_AUCTION_GROUP,
  HOT_BIDDER_GROUP,
  HOT_CHANNELS,
  HOT_CHANNELS_RATIO,
  HOT_SELLER_GROUP,
  LAST_NAMES,
  NEXMARK_DEFAULTS,
  NUM_CATEGORIES,
  PERSON_ID_LEAD,
  PERSON_PROPORTION,
  PROPORTION_DENOMINATOR,
  US_CITIES,
  US_STATES,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type NexmarkEventKind,
  type NexmarkGeneratorConfig,
  type Person,
} from "./model.ts";
import { EventRandom, fmix32 } from "./random.ts";

/** Reserved stream keys (hi word) for the channel URLs; event indexes stay far below 2^53. */
const CHANNEL_KEY_HI = 0xffffffff;
const HOT_URL_KEY_HI = 0xfffffffe;
/** `extra` is a prefix of this fixed text: char j = 'a' + ((fmix32(j) * 26) >>> 32). */
const EXTRA_PAD_LENGTH = 1024;
const EXTRA_PAD = Array.from({ length: EXTRA_PAD_LENGTH }, (_, j) => String.fromCharCode(97 + Math.floor((fmix32(j) * 26) / 4294967296))).join("");
const LETTERS = Array.from({ length: 26 }, (_, c) => String.fromCharCode(97 + c));
/** Largest index whose index * 1000 is still exact in a double (and fits a Java long). */
const MAX_INDEX = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** The kind of event `index`: offset 0 of each 50-event epoch is a person, 1..3 auctions, the rest bids. */
export function nexmarkKindOf(index: number): NexmarkEventKind {
  const offset = index % PROPORTION_DENOMINATOR;
  return offset < PERSON_PROPORTION ? "person" : offset < PERSON_PROPORTION + AUCTION_PROPORTION ? "auction" : "bid";
}

/** Base-0 id of the last person generated at or before event `index`. */
export function lastBase0PersonId(index: number): number {
  const epoch = Math.floor(index / PROPORTION_DENOMINATOR);
  const offset = Math.min(index % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}

/** Base-0 id of the last auction generated at or before event `index` (-1 before the first). */
export function lastBase0AuctionId(index: number): number {
  let epoch = Math.floor(index / PROPORTION_DENOMINATOR);
  let offset = index % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** Fill in defaults and check a generator configuration (ConfigError naming the key). */
export function resolveNexmarkConfig(partial: Partial<NexmarkGeneratorConfig> = {}): NexmarkGeneratorConfig {
  const config = { ...NEXMARK_DEFAULTS, ...stripUndefined(partial) };
  const check = (key: keyof NexmarkGeneratorConfig, min: number, max: number) => {
    const v = config[key];
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new ConfigError(`nexmark option '${key}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  };
  check("seed", -(2 ** 31), 2 ** 32 - 1);
  check("firstEventRate", 1, 1e9);
  check("baseTimeMs", 0, 2 ** 50);
  check("outOfOrdernessMs", 0, 2 ** 30);
  check("numActivePeople", 1, 2 ** 30);
  check("numInFlightAuctions", 1, 2 ** 20);
  check("hotAuctionRatio", 1, 2 ** 30);
  check("hotSellersRatio", 1, 2 ** 30);
  check("hotBiddersRatio", 1, 2 ** 30);
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A generator for one configuration; keeps the channel URLs it has built. Not re-entrant (one
 * random stream, reset per event): use one per thread.
 *
 * @example
 * const gen = new NexmarkGenerator({ seed: 7, firstEventRate: 1000 });
 * const e = gen.event(4); // { kind: "bid", bid: { auction, bidder, price, channel, url, dateTime, extra } }
 */
export class NexmarkGenerator {
  readonly config: NexmarkGeneratorConfig;
  private readonly random: EventRandom;
  /** Events spanned by numInFlightAuctions auctions: the auction-length horizon. */
  private readonly eventsForAuctions: number;
  private readonly channelUrls = new Map<number, string>();
  private readonly hotUrls: string[];

  constructor(config: Partial<NexmarkGeneratorConfig> = {}) {
    this.config = resolveNexmarkConfig(config);
    this.random = new EventRandom(this.config.seed);
    this.eventsForAuctions = Math.floor((this.config.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION);
    this.hotUrls = HOT_CHANNELS.map((_, k) => this.baseUrl(this.random.resetKey(k, HOT_URL_KEY_HI)));
  }

  /** Nominal event time of event `index` (before any out-of-order lag): base + floor(index * 1000 / rate). */
  timestampForEvent(index: number): number {
    return this.config.baseTimeMs + Math.floor((index * 1000) / this.config.firstEventRate);
  }

  /** Event `index` (a non-negative integer), wrapped with its kind. */
  event(index: number): NexmarkEvent {
    switch (nexmarkKindOf(index)) {
      case "person":
        return { kind: "person", person: this.person(index) };
      case "auction":
        return { kind: "auction", auction: this.auction(index) };
      default:
        return { kind: "bid", bid: this.bid(index) };
    }
  }

  /** The person of event `index`; `index` must be a person event (nexmarkKindOf). */
  person(index: number): Person {
    const r = this.begin(index);
    const dateTime = this.timestampForEvent(index) - r.nextInt(this.config.outOfOrdernessMs + 1);
    const id = lastBase0PersonId(index) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[r.nextInt(FIRST_NAMES.length)]!} ${LAST_NAMES[r.nextInt(LAST_NAMES.length)]!}`;
    const emailAddress = `${nextString(r, 7, " ")}@${nextString(r, 5, " ")}.com`;
    const creditCard = `${digits4(r.nextInt(10000))} ${digits4(r.nextInt(10000))} ${digits4(r.nextInt(10000))} ${digits4(r.nextInt(10000))}`;
    const city = US_CITIES[r.nextInt(US_CITIES.length)]!;
    const state = US_STATES[r.nextInt(US_STATES.length)]!;
    const size = 8 + 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return { id, name, emailAddress, creditCard, city, state, dateTime, extra: nextExtra(r, size, AVG_PERSON_BYTES) };
  }

  /** The auction of event `index`; `index` must be an auction event. */
  auction(index: number): Auction {
    const r = this.begin(index);
    const { config } = this;
    const nominal = this.timestampForEvent(index);
    const dateTime = nominal - r.nextInt(config.outOfOrdernessMs + 1);
    const id = lastBase0AuctionId(index) + FIRST_AUCTION_ID;
    const seller =
      (r.nextInt(config.hotSellersRatio) > 0 ? Math.floor(lastBase0PersonId(index) / HOT_SELLER_GROUP) * HOT_SELLER_GROUP : this.nextBase0PersonId(index)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES);
    const initialBid = nextPrice(r);
    // Auctions last up to twice the event-time span of numInFlightAuctions auctions.
    const horizonMs = this.timestampForEvent(index + this.eventsForAuctions) - nominal;
    const expires = dateTime + 1 + r.nextInt(Math.min(Math.max(horizonMs * 2, 1), 0x7fffffff));
    const itemName = nextString(r, 20, " ");
    const description = nextString(r, 100, " ");
    const reserve = initialBid + nextPrice(r);
    const size = 8 * 7 + itemName.length + description.length;
    return { id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra: nextExtra(r, size, AVG_AUCTION_BYTES) };
  }

  /** The bid of event `index`; `index` must be a bid event. */
  bid(index: number): Bid {
    const r = this.begin(index);
    const { config } = this;
    const dateTime = this.timestampForEvent(index) - r.nextInt(config.outOfOrdernessMs + 1);
    const auction =
      (r.nextInt(config.hotAuctionRatio) > 0 ? Math.floor(lastBase0AuctionId(index) / HOT_AUCTION_GROUP) * HOT_AUCTION_GROUP : this.nextBase0AuctionId(index)) + FIRST_AUCTION_ID;
    const bidder =
      (r.nextInt(config.hotBiddersRatio) > 0 ? Math.floor(lastBase0PersonId(index) / HOT_BIDDER_GROUP) * HOT_BIDDER_GROUP + 1 : this.nextBase0PersonId(index)) + FIRST_PERSON_ID;
    const price = nextPrice(r);
    let channel: string;
    let url: string;
    if (r.nextInt(HOT_CHANNELS_RATIO) > 0) {
      const k = r.nextInt(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[k]!;
      url = this.hotUrls[k]!;
    } else {
      const n = r.nextInt(CHANNELS_NUMBER);
      channel = `channel-${n}`;
      url = this.channelUrl(n);
    }
    const size = 8 * 4 + channel.length + url.length;
    return { auction, bidder, price, channel, url, dateTime, extra: nextExtra(r, size, AVG_BID_BYTES) };
  }

  private begin(index: number): EventRandom {
    if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) throw new RangeError(`nexmark event index must be an integer in [0, ${MAX_INDEX}], got ${index}`);
    return this.random.reset(index);
  }

  /** A person id among the last numActivePeople (or up to PERSON_ID_LEAD past the newest). */
  private nextBase0PersonId(index: number): number {
    const numPeople = lastBase0PersonId(index) + 1;
    const active = Math.min(numPeople, this.config.numActivePeople);
    return numPeople - active + this.random.nextInt(active + PERSON_ID_LEAD);
  }

  /** An auction id among the last numInFlightAuctions (or up to AUCTION_ID_LEAD past the newest). */
  private nextBase0AuctionId(index: number): number {
    const max = lastBase0AuctionId(index);
    const min = Math.max(max - this.config.numInFlightAuctions, 0);
    return min + this.random.nextInt(max - min + 1 + AUCTION_ID_LEAD);
  }

  /** URL of numbered channel n: its own stream (key lo = n, hi = 0xFFFFFFFF). */
  private channelUrl(n: number): string {
    let url = this.channelUrls.get(n);
    if (url === undefined) {
      const own = new EventRandom(this.config.seed).resetKey(n, CHANNEL_KEY_HI);
      url = `${this.baseUrl(own)}&channel_id=${n}`;
      this.channelUrls.set(n, url);
    }
    return url;
  }

  private baseUrl(r: EventRandom): string {
    return `https://www.nexmark.com/${nextString(r, 5, "_")}/${nextString(r, 5, "_")}/${nextString(r, 5, "_")}/item.htm?query=1`;
  }
}

/** Length 3 + nextInt(maxLength - 3); each char: c = nextInt(27), 'a' + c or `special` when c = 26; spaces trimmed. */
function nextString(r: EventRandom, maxLength: number, special: string): string {
  let len = 3 + r.nextInt(maxLength - 3);
  let s = "";
  while (len-- > 0) {
    const c = r.nextInt(27);
    s += c < 26 ? LETTERS[c]! : special;
  }
  return special === " " ? trimSpaces(s) : s;
}

function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Cents, log-uniform by decade: m = nextInt(6), base = 10^(m+2), price = base + nextInt(9 * base). */
function nextPrice(r: EventRandom): number {
  const base = 10 ** (r.nextInt(6) + 2);
  return base + r.nextInt(9 * base);
}

/** Pad an event towards `average` bytes: "" if already larger, else about the rest, +-20 %. */
function nextExtra(r: EventRandom, size: number, average: number): string {
  if (size >= average) return "";
  const rest = average - size;
  const delta = Math.floor(rest / 5);
  const length = rest - delta + (delta === 0 ? 0 : r.nextInt(2 * delta));
  return EXTRA_PAD.slice(0, length);
}

function digits4(n: number): string {
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n);
}

const generators = new Map<string, NexmarkGenerator>();

/**
 * Event `index` of the sequence for `config` (defaults filled in). Generators are cached per config.
 * @example
 * nexmarkEvent(0); // { kind: "person", person: { id: 1000, name: "...", ... } }
 * nexmarkEvent(57, { seed: 1 }).kind; // "bid"
 */
export function nexmarkEvent(index: number, config: Partial<NexmarkGeneratorConfig> = {}): NexmarkEvent {
  const resolved = resolveNexmarkConfig(config);
  const key = JSON.stringify(resolved);
  let generator = generators.get(key);
  if (generator === undefined) {
    if (generators.size >= 16) generators.clear();
    generator = new NexmarkGenerator(resolved);
    generators.set(key, generator);
  }
  return generator.event(index);
}
