/**
 * @module connectors/datagen/nexmark/source
 * `source:nexmark`: the first `events` events of the Nexmark sequence, read through a SplitCursor
 * (interleaved index splits), so the job is replayable, checkpointable and emits the same events at
 * any parallelism. A table source ("bid", "auction", "person") reads the same global sequence and keeps
 * its kind only, so a bid has the same fields and timestamp whichever table is read; "all" emits
 * NexmarkEvent wrappers. Records carry their dateTime as event time.
 */
import { ConfigError, type PollResult, type Source, type SourceContext, type SourceOutput, type TaskLocation } from "../../../core/index.ts";
import { SplitCursor } from "../../common/split-cursor.ts";
import { NexmarkGenerator, nexmarkKindOf } from "./generator.ts";
import type { NexmarkEvent, NexmarkGeneratorConfig } from "./model.ts";

export const NEXMARK_TABLES = ["bid", "auction", "person", "all"] as const;
export type NexmarkTable = (typeof NEXMARK_TABLES)[number];

/** The JSON config of a `source:nexmark` plan node. */
export interface NexmarkSourceConfig {
  readonly table: NexmarkTable;
  /** Events of the global sequence (all kinds) to read: a bid table of N events has about N * 46/50 bids. */
  readonly events: number;
  /** Event-time rate in events/s, a positive integer (default 10,000): event i is at baseTimeMs + floor(i * 1000 / rate). */
  readonly rate?: number;
  /** 32-bit seed (default 0). */
  readonly seed?: number;
  /** Event time of event 0, epoch ms (default 2015-07-15T00:00:00Z). */
  readonly baseTimeMs?: number;
  /** Lag each event's dateTime by up to this many ms (default 0: in order); keep it <= the watermark bound. */
  readonly outOfOrdernessMs?: number;
  /** Also emit at `rate` events/s of wall-clock time (default false: as fast as possible). */
  readonly paced?: boolean;
  /** Events read per poll. */
  readonly batchSize: number;
}

/** Check a node's config (ConfigError naming the key). */
export function parseNexmarkSourceConfig(raw: Readonly<Record<string, unknown>>): NexmarkSourceConfig & { generator: NexmarkGeneratorConfig } {
  const table = raw.table ?? "all";
  if (typeof table !== "string" || !(NEXMARK_TABLES as readonly string[]).includes(table)) {
    throw new ConfigError(`nexmark option 'table' must be one of ${NEXMARK_TABLES.join(", ")}, got ${JSON.stringify(table)}`);
  }
  const events = raw.events;
  if (typeof events !== "number" || !Number.isSafeInteger(events) || events < 0) throw new ConfigError(`nexmark option 'events' must be a non-negative integer, got ${JSON.stringify(events)}`);
  const batchSize = raw.batchSize ?? 1024;
  if (typeof batchSize !== "number" || !Number.isSafeInteger(batchSize) || batchSize < 1) throw new ConfigError(`nexmark option 'batchSize' must be a positive integer, got ${JSON.stringify(batchSize)}`);
  if (raw.paced !== undefined && typeof raw.paced !== "boolean") throw new ConfigError(`nexmark option 'paced' must be a boolean, got ${JSON.stringify(raw.paced)}`);
  const rate = raw.rate;
  if (rate !== undefined && (typeof rate !== "number" || !Number.isSafeInteger(rate) || rate < 1)) throw new ConfigError(`nexmark option 'rate' must be a positive integer (events/s of event time), got ${JSON.stringify(rate)}`);
  const generator = new NexmarkGenerator({
    ...(raw.rate === undefined ? {} : { firstEventRate: raw.rate as number }),
    ...(raw.seed === undefined ? {} : { seed: raw.seed as number }),
    ...(raw.baseTimeMs === undefined ? {} : { baseTimeMs: raw.baseTimeMs as number }),
    ...(raw.outOfOrdernessMs === undefined ? {} : { outOfOrdernessMs: raw.outOfOrdernessMs as number }),
  }).config;
  return { table: table as NexmarkTable, events, batchSize, paced: raw.paced === true, rate: generator.firstEventRate, generator };
}

/** One subtask's reader of the sequence. */
export class NexmarkSource implements Source<unknown> {
  private readonly cursor: SplitCursor;
  private readonly generator: NexmarkGenerator;
  private readonly table: NexmarkTable;
  private readonly batchSize: number;
  private readonly paced: boolean;
  private rate = 0;
  private startedAt = 0;
  private taken = 0;

  constructor(config: Readonly<Record<string, unknown>>) {
    const parsed = parseNexmarkSourceConfig(config);
    this.cursor = new SplitCursor(parsed.events);
    this.generator = new NexmarkGenerator(parsed.generator);
    this.table = parsed.table;
    this.batchSize = parsed.batchSize;
    this.paced = parsed.paced === true;
    this.rate = parsed.generator.firstEventRate;
  }

  restoreState(states: readonly unknown[], _location: TaskLocation): void {
    this.cursor.restore(states);
  }

  open(ctx: SourceContext): void {
    this.cursor.assign(ctx.location, ctx.maxParallelism);
    this.rate = this.rate / ctx.location.parallelism;
    this.startedAt = performance.now();
  }

  /**
   * Read up to batchSize indexes and emit those of this table's kind; indexes of other kinds are
   * skipped without generating them. Paced: at most rate/parallelism indexes per second.
   */
  pollNext(out: SourceOutput<unknown>): PollResult {
    let max = this.batchSize;
    if (this.paced) {
      const allowed = Math.floor(((performance.now() - this.startedAt) / 1000) * this.rate) - this.taken;
      if (allowed <= 0) return this.cursor.remaining() > 0 ? "idle" : "end";
      max = Math.min(max, allowed);
    }
    const indexes = this.cursor.take(max);
    if (indexes === null) return "end";
    this.taken += indexes.length;
    const values: unknown[] = [];
    const timestamps: number[] = [];
    const gen = this.generator;
    switch (this.table) {
      case "bid":
        for (const i of indexes) if (nexmarkKindOf(i) === "bid") push(values, timestamps, gen.bid(i));
        break;
      case "auction":
        for (const i of indexes) if (nexmarkKindOf(i) === "auction") push(values, timestamps, gen.auction(i));
        break;
      case "person":
        for (const i of indexes) if (nexmarkKindOf(i) === "person") push(values, timestamps, gen.person(i));
        break;
      default:
        for (const i of indexes) {
          const event = gen.event(i);
          values.push(event);
          timestamps.push(eventTime(event));
        }
    }
    out.collect(values, timestamps);
    return "more";
  }

  snapshotState(): unknown {
    return this.cursor.snapshot();
  }
}

function push(values: unknown[], timestamps: number[], record: { readonly dateTime: number }): void {
  values.push(record);
  timestamps.push(record.dateTime);
}

/** The dateTime of whichever record an event wraps. */
export function eventTime(event: NexmarkEvent): number {
  return event.kind === "bid" ? event.bid.dateTime : event.kind === "auction" ? event.auction.dateTime : event.person.dateTime;
}
