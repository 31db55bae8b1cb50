/**
 * @module connectors/kafka/source/kafka-source
 * KafkaSource (`source:kafka`): one subtask reads the partitions the job assigns it (assignment.ts)
 * through a KafkaReader, decodes keys and values, applies the bad-record policy, emits batches with the
 * record timestamps (or the user's) as event times, and generates per-partition watermarks itself
 * (partition-watermarks.ts, via `Source.currentWatermark`).
 *
 * Positions and checkpoints:
 * - `positions` holds, per assigned partition, the offset of the next record NOT yet emitted. A poll
 *   fetches only when the previous fetch is fully emitted, so records buffered from one fetch belong
 *   to one chunk per partition; emitting record r sets the position to r.offset + 1, and emitting the
 *   last record of a chunk sets it to the fetch's next offset (which skips transaction markers and
 *   aborted records). The task snapshots between polls, so a snapshot never covers an unemitted record.
 * - Bad records count as emitted for the position (skip, dead-letter): the dead-letter write is awaited
 *   inside the poll that reads the record, before the position can reach a checkpoint (at-least-once
 *   into the DLQ). Under "fail" the job fails, naming topic, partition and offset; not retriable, since
 *   replaying would read the same bytes.
 * - `commitOffsetsToGroup` commits the offsets of checkpoint N when N completes, for monitoring tools
 *   only: a failure is logged and counted, never fails the job; restores always use the checkpoint.
 */
import { BicycleError, JobError, log, type Counter, type PollResult, type Source, type SourceContext, type SourceOutput, type TaskLocation } from "../../../core/index.ts";
import { KafkaAdmin, KafkaProducer, KafkaReader, type KafkaHeader, type KafkaOutputRecord, type KafkaRecord, type TopicPartition, type TopicPartitionOffset } from "../client/index.ts";
import { assignPartitions, partitionKey, toState, unionStates, type PartitionPosition } from "./assignment.ts";
import { createDecoder, type Decoder, type ValueSchema } from "./decode.ts";
import {
  METRIC_KAFKA_BAD_RECORDS_DEAD_LETTERED,
  METRIC_KAFKA_BAD_RECORDS_FAILED,
  METRIC_KAFKA_BAD_RECORDS_SKIPPED,
  METRIC_KAFKA_OFFSET_COMMIT_FAILURES,
  METRIC_KAFKA_RECORDS_READ,
} from "./events.ts";
import type { KafkaSourceConfig } from "./options.ts";
import { PartitionWatermarks } from "./partition-watermarks.ts";

/** The `withMetadata: true` form of a record. `key` is decoded by `keyFormat`, else the raw bytes. */
export interface KafkaMessage<V = unknown, K = unknown> {
  readonly key: K;
  readonly value: V;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp (create or log-append time), epoch ms. */
  readonly timestamp: number;
  readonly headers: readonly KafkaHeader[];
}

/** The non-JSON parts of a Kafka source, carried as the plan node's functions. */
export interface KafkaSourceFunctions {
  readonly valueSchema?: ValueSchema<unknown>;
  readonly keySchema?: ValueSchema<unknown>;
  /** Event time of an emitted element (value or KafkaMessage); default: the Kafka record timestamp. */
  readonly timestamps?: (element: unknown) => number;
}

/** Records of one partition from one fetch, emitted from `next` on. */
interface Chunk {
  readonly position: PartitionPosition;
  readonly records: readonly KafkaRecord[];
  readonly nextOffset: number;
  next: number;
}

const encoder = new TextEncoder();
/** Marks a record consumed by the bad-record policy. */
const BAD: unique symbol = Symbol("bad-record");

export class KafkaSource implements Source<unknown> {
  private readonly valueDecoder: Decoder;
  private readonly keyDecoder: Decoder | null;
  private restored: Map<string, PartitionPosition> | null = null;
  private readonly positions = new Map<string, PartitionPosition>();
  private readonly finished = new Set<string>();
  private chunks: Chunk[] = [];
  private chunkIndex = 0;
  private reader: KafkaReader | null = null;
  private admin: KafkaAdmin | null = null;
  private deadLetters: KafkaProducer | null = null;
  private watermarks: PartitionWatermarks | null = null;
  private location: TaskLocation | null = null;
  private readonly pendingCommits = new Map<number, TopicPartitionOffset[]>();
  private commitChain: Promise<void> = Promise.resolve();
  private counters!: { read: Counter; failed: Counter; skipped: Counter; deadLettered: Counter; commitFailures: Counter };

  constructor(
    private readonly config: KafkaSourceConfig,
    private readonly fns: KafkaSourceFunctions = {},
  ) {
    this.valueDecoder = createDecoder(config.format, fns.valueSchema);
    this.keyDecoder = config.keyFormat === undefined ? null : createDecoder(config.keyFormat, fns.keySchema);
  }

  restoreState(states: readonly unknown[]): void {
    this.restored = unionStates(states);
  }

  async open(ctx: SourceContext): Promise<void> {
    const { config } = this;
    this.location = ctx.location;
    const m = ctx.metrics;
    this.counters = {
      read: m.counter(METRIC_KAFKA_RECORDS_READ),
      failed: m.counter(METRIC_KAFKA_BAD_RECORDS_FAILED),
      skipped: m.counter(METRIC_KAFKA_BAD_RECORDS_SKIPPED),
      deadLettered: m.counter(METRIC_KAFKA_BAD_RECORDS_DEAD_LETTERED),
      commitFailures: m.counter(METRIC_KAFKA_OFFSET_COMMIT_FAILURES),
    };
    const admin = KafkaAdmin.create(config.connection);
    this.admin = admin;
    const listed = config.topics !== undefined ? await admin.listPartitions(config.topics) : await admin.listPartitionsMatching(new RegExp(config.topicPattern!));
    const all = listed.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const mine = assignPartitions(all, ctx.location.subtaskIndex, ctx.location.parallelism);
    await this.initPositions(admin, mine);
    if (config.commitOffsetsToGroup === undefined) {
      this.admin = null;
      await admin.close();
    }
    const wm = config.watermarks;
    this.watermarks = wm === undefined ? null : new PartitionWatermarks(wm.maxOutOfOrdernessMs, config.idleTimeoutMs);
    for (const [key, p] of this.positions) {
      this.watermarks?.add(key);
      if (p.stopOffset !== null && p.offset >= p.stopOffset) this.finish(key);
    }
    if (typeof config.onBadRecord === "object") this.deadLetters = KafkaProducer.create(config.connection);
    this.reader = KafkaReader.create(config.connection, { isolationLevel: config.isolationLevel, maxWaitMs: config.maxWaitMs });
    this.reassign();
    log.debug(`Kafka source ${ctx.location.operatorName} ${ctx.location.subtaskIndex + 1}/${ctx.location.parallelism} reads ${[...this.positions.values()].map((p) => `${p.topic}-${p.partition}@${p.offset}`).join(", ") || "no partitions"}`);
  }

  /** Restored offsets where the checkpoint has them, `startFrom` for the others; stop offsets when bounded. */
  private async initPositions(admin: KafkaAdmin, mine: readonly TopicPartition[]): Promise<void> {
    const { startFrom, isolationLevel, bounded } = this.config;
    const fresh = mine.filter((tp) => !this.restored?.has(partitionKey(tp.topic, tp.partition)));
    const starts = new Map<string, number>();
    if (fresh.length > 0) {
      let byPolicy = fresh;
      if (typeof startFrom === "object" && "committedOffsets" in startFrom) {
        const committed = await admin.fetchCommittedOffsets(startFrom.committedOffsets, fresh);
        for (const c of committed) if (c.offset !== null) starts.set(partitionKey(c.topic, c.partition), c.offset);
        byPolicy = fresh.filter((tp) => !starts.has(partitionKey(tp.topic, tp.partition)));
      }
      const spec = typeof startFrom === "string" ? startFrom : "timestampMs" in startFrom ? { timestampMs: startFrom.timestampMs } : startFrom.fallback;
      for (const o of await admin.listOffsets(byPolicy, spec, isolationLevel)) starts.set(partitionKey(o.topic, o.partition), o.offset);
    }
    for (const tp of mine) {
      const key = partitionKey(tp.topic, tp.partition);
      const restored = this.restored?.get(key);
      this.positions.set(key, { topic: tp.topic, partition: tp.partition, offset: restored?.offset ?? starts.get(key)!, stopOffset: restored?.stopOffset ?? null });
    }
    if (bounded) {
      const unbounded = [...this.positions.values()].filter((p) => p.stopOffset === null);
      for (const end of await admin.listOffsets(unbounded, "latest", isolationLevel)) this.positions.get(partitionKey(end.topic, end.partition))!.stopOffset = end.offset;
    }
  }

  async pollNext(out: SourceOutput<unknown>): Promise<PollResult> {
    if (this.chunkIndex >= this.chunks.length) {
      if (this.finished.size === this.positions.size) return this.config.bounded ? "end" : "idle";
      await this.fetch();
      if (this.chunkIndex >= this.chunks.length) return this.finished.size === this.positions.size && this.config.bounded ? "end" : "idle";
    }
    return this.emitBatch(out);
  }

  /** One fetch from the reader into `chunks` (records past a stop offset dropped). */
  private async fetch(): Promise<void> {
    const polled = await this.reader!.poll();
    const chunks: Chunk[] = [];
    let finishedAny = false;
    for (const p of polled) {
      const key = partitionKey(p.topic, p.partition);
      const position = this.positions.get(key);
      if (position === undefined) continue;
      const stop = position.stopOffset;
      const records = stop === null ? p.records : p.records.filter((r) => r.offset < stop);
      const nextOffset = stop === null ? p.nextOffset : Math.min(p.nextOffset, stop);
      if (records.length > 0) chunks.push({ position, records, nextOffset, next: 0 });
      else {
        position.offset = Math.max(position.offset, nextOffset);
        if (stop !== null && position.offset >= stop) {
          this.finish(key);
          finishedAny = true;
        }
      }
    }
    this.chunks = chunks;
    this.chunkIndex = 0;
    if (finishedAny) this.reassign();
  }

  /** Emit at most batchSize records from the buffered chunks. */
  private async emitBatch(out: SourceOutput<unknown>): Promise<PollResult> {
    const max = this.config.batchSize;
    const values: unknown[] = [];
    const timestamps: number[] = [];
    const dead: KafkaOutputRecord[] = [];
    let finishedAny = false;
    let consumed = 0;
    while (values.length < max && this.chunkIndex < this.chunks.length) {
      const chunk = this.chunks[this.chunkIndex]!;
      const { position, records } = chunk;
      const key = partitionKey(position.topic, position.partition);
      let maxTs = Number.NEGATIVE_INFINITY;
      let emitted = 0;
      while (chunk.next < records.length && values.length < max) {
        const record = records[chunk.next++]!;
        position.offset = record.offset + 1;
        consumed++;
        const element = this.decode(record, dead);
        if (element === BAD) continue;
        const ts = this.timestampOf(element, record, values.length);
        values.push(element);
        timestamps.push(ts);
        if (ts > maxTs) maxTs = ts;
        emitted++;
      }
      if (emitted > 0) this.watermarks?.observe(key, maxTs);
      if (chunk.next >= records.length) {
        position.offset = Math.max(position.offset, chunk.nextOffset);
        this.chunkIndex++;
        if (position.stopOffset !== null && position.offset >= position.stopOffset) {
          this.finish(key);
          finishedAny = true;
        }
      }
    }
    this.counters.read.inc(consumed);
    if (dead.length > 0) {
      await this.deadLetters!.send(dead);
      this.counters.deadLettered.inc(dead.length);
    }
    if (finishedAny) this.reassign();
    out.collect(values, timestamps);
    return "more";
  }

  /** Decode one record into the emitted element, or apply the bad-record policy and return BAD. */
  private decode(record: KafkaRecord, dead: KafkaOutputRecord[]): unknown {
    const value = this.valueDecoder(record.value);
    const key = this.keyDecoder === null ? null : this.keyDecoder(record.key);
    const failure = !value.ok ? `value is ${value.reason}` : key !== null && !key.ok ? `key is ${key.reason}` : null;
    if (failure === null) {
      if (!this.config.withMetadata) return value.ok ? value.value : undefined;
      const message: KafkaMessage = {
        key: key === null ? record.key : key.ok ? key.value : null,
        value: value.ok ? value.value : null,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestampMs,
        headers: record.headers,
      };
      return message;
    }
    const where = `record at ${record.topic}/${record.partition}@${record.offset}`;
    const policy = this.config.onBadRecord;
    if (policy === "fail") {
      this.counters.failed.inc();
      throw new BicycleError(`Kafka source '${this.location?.operatorName}': bad ${where}: ${failure} (onBadRecord: "fail"; use "skip" or { deadLetterTopic } to go on)`, {
        code: "KAFKA_BAD_RECORD",
        domain: "user",
        retriable: false,
      });
    }
    if (policy === "skip") {
      this.counters.skipped.inc();
      log.debug(`Kafka source: skipped bad ${where}: ${failure}`);
      return BAD;
    }
    dead.push({
      topic: policy.deadLetterTopic,
      key: record.key,
      value: record.value,
      timestampMs: record.timestampMs,
      headers: [
        ...record.headers.filter((h): h is { key: string; value: Uint8Array } => h.value !== null),
        { key: "bicycle.error", value: encoder.encode(failure) },
        { key: "bicycle.source.topic", value: encoder.encode(record.topic) },
        { key: "bicycle.source.partition", value: encoder.encode(String(record.partition)) },
        { key: "bicycle.source.offset", value: encoder.encode(String(record.offset)) },
      ],
    });
    return BAD;
  }

  private timestampOf(element: unknown, record: KafkaRecord, index: number): number {
    const assign = this.fns.timestamps;
    if (assign === undefined) return record.timestampMs;
    let t: unknown;
    try {
      t = assign(element);
      if (typeof t !== "number" || !Number.isFinite(t)) throw new TypeError(`the timestamp function returned ${String(t)}; expected finite epoch milliseconds`);
    } catch (error) {
      throw JobError.fromUserFunction(new Error(`on the record at ${record.topic}/${record.partition}@${record.offset}: ${(error as Error).message ?? String(error)}`, { cause: error }), this.location!, index);
    }
    return t;
  }

  private finish(key: string): void {
    this.finished.add(key);
    this.watermarks?.finish(key);
  }

  /** Give the reader the unfinished partitions at their positions. */
  private reassign(): void {
    this.reader?.assign([...this.positions].filter(([key]) => !this.finished.has(key)).map(([, p]) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
  }

  currentWatermark(): number | "idle" | null {
    if (this.positions.size === 0) return "idle";
    return this.watermarks === null ? null : this.watermarks.current();
  }

  snapshotState(checkpointId: number): unknown {
    if (this.config.commitOffsetsToGroup !== undefined) {
      this.pendingCommits.set(checkpointId, [...this.positions.values()].map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })));
    }
    return toState([...this.positions.values()].map((p) => ({ ...p })));
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const offsets = this.pendingCommits.get(checkpointId);
    for (const id of [...this.pendingCommits.keys()]) if (id <= checkpointId) this.pendingCommits.delete(id);
    const admin = this.admin;
    const group = this.config.commitOffsetsToGroup;
    if (offsets === undefined || admin === null || group === undefined) return;
    this.commitChain = this.commitChain.then(() =>
      admin.commitGroupOffsets(group, offsets).catch((error: unknown) => {
        this.counters.commitFailures.inc();
        log.warn(`Kafka source: committing the offsets of checkpoint ${checkpointId} to group '${group}' failed (monitoring only): ${(error as Error).message}`);
      }),
    );
  }

  async close(): Promise<void> {
    await this.commitChain;
    await Promise.all([this.reader?.close(), this.admin?.close(), this.deadLetters?.close()]);
    this.reader = null;
    this.admin = null;
    this.deadLetters = null;
  }
}
