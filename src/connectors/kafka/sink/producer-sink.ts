/**
 * @module connectors/kafka/sink/producer-sink
 * KafkaProducerSink: the non-transactional Kafka sink, delivery "none" (fire-and-forget: a failed send
 * fails the task at the next checkpoint or at end of input) and "at-least-once" (idempotent producer;
 * every checkpoint waits until the broker acknowledged all records sent before its barrier, so a
 * restored job replays at most what came after it). With `dedup`, the at-least-once sink also drops
 * the records of the replay that the failed attempt had already written ("idempotent writes").
 *
 * Dedup protocol (one subtask; parallelism unchanged across the restore):
 *
 *   record ──► id = writer + ":" + (user recordId(v) | hash of the encoded key and value)
 *              skip[id] > 0 ? drop it, skip[id]-- : send it with header `bicycle-id: id`
 *   snapshot(N): flush, then store { end offset of every partition of the topic, skip }
 *   restore(N):  skip = stored skip + the multiset of `bicycle-id`s of this writer found in the
 *                topic between the stored end offsets and the current end (read_uncommitted scan)
 *
 * Why a multiset, not a set: two equal records (same id) may both be legitimate; the replay
 * reproduces every record after N, so skipping exactly as many occurrences of an id as the failed
 * attempt wrote drops exactly its duplicates, whatever the order or the barrier positions in the
 * replay. Skip counts not used up before the next checkpoint are kept in its state.
 *
 * Guarantee and limits: exactly-once output when (1) the records reaching this subtask after the
 * checkpoint are the same multiset in the replay (deterministic upstream: same keys to the same
 * subtask, no processing-time logic), (2) ids are equal exactly when records are duplicates (the
 * default content hash merges equal records: fine by the multiset argument, but a 64-bit hash
 * collision of different records would drop one), (3) no other writer uses this subtask's writer id
 * (operator id + subtask), (4) the parallelism did not change (on a rescale the replay is partitioned
 * differently: the sink warns and is at-least-once for that restore), and (5) no request of the failed
 * process is still in flight when the restored one scans (a crashed process's sends could land after
 * the scan; an in-process restart closes the producer first). It is at-least-once otherwise.
 */
import { MAX_BUFFERED_RECORDS } from "./exactly-once-sink.ts";
import { log, type OperatorContext, type Output, type RecordBatch, type TaskLocation } from "../../../core/index.ts";
import { KafkaAdmin, KafkaProducer, KafkaReader, type KafkaOutputRecord, type TopicPartitionOffset } from "../client/index.ts";
import type { KafkaSinkOptions } from "./options.ts";

/** Header carrying a record's dedup id. */
export const DEDUP_HEADER = "bicycle-id";

/** What the dedup sink stores per subtask. */
export interface DedupState {
  readonly version: 1;
  readonly subtask: number;
  readonly offsets: readonly TopicPartitionOffset[];
  readonly skip: readonly (readonly [string, number])[];
}

/**
 * Non-transactional Kafka sink (`delivery: "none" | "at-least-once"`, optional `dedup`); usually
 * created by `stream.sinkToKafka(...)` (plan node `sink:kafka`).
 *
 * @example
 * const options = parseKafkaSinkOptions({ connection: { bootstrapServers: "127.0.0.1:9092" }, topic: "out", dedup: true });
 * const sink = new KafkaProducerSink<string>(options, (v) => ({ topic: "out", value: v }), (v) => v);
 */
export class KafkaProducerSink<T> {
  private producer: KafkaProducer | null = null;
  private error: unknown = null;
  /** Records not handed to the producer yet; one pump sends all of them per round trip. */
  private readonly buffer: KafkaOutputRecord[] = [];
  private pumping: Promise<void> | null = null;
  private writer = "";
  private subtask = 0;
  private restored: DedupState | null = null;
  private readonly skip = new Map<string, number>();
  private partitions: number[] = [];

  constructor(
    private readonly options: KafkaSinkOptions,
    private readonly toRecord: (value: T) => KafkaOutputRecord,
    /** User id of a record (dedup); default: a hash of its encoded key and value. */
    private readonly recordId?: (value: T) => string,
  ) {}

  restoreState(states: readonly unknown[], location: TaskLocation): void {
    if (!this.options.dedup) return;
    const own = states.find((s) => (s as DedupState | null)?.subtask === location.subtaskIndex) as DedupState | undefined;
    if (states.length !== location.parallelism) {
      log.warn(`Kafka sink '${location.operatorName}': parallelism changed from ${states.length} to ${location.parallelism}; dedup of the replay is off for this restore (at-least-once)`);
      return;
    }
    this.restored = own ?? null;
  }

  async open(ctx: OperatorContext): Promise<void> {
    this.writer = `${ctx.location.operatorId}-${ctx.location.subtaskIndex}`;
    this.subtask = ctx.location.subtaskIndex;
    this.producer = KafkaProducer.create(this.options.connection, { idempotent: this.options.delivery === "at-least-once" });
    if (!this.options.dedup) return;
    const admin = KafkaAdmin.create(this.options.connection);
    try {
      this.partitions = [...((await admin.listPartitions([this.options.topic]))[0]?.partitions ?? [])];
      if (this.restored === null) return;
      for (const [id, n] of this.restored.skip) this.skip.set(id, n);
      const ends = await admin.listOffsets(this.restored.offsets, "latest", "read_uncommitted");
      await this.scan(this.restored.offsets, ends);
    } finally {
      await admin.close();
    }
  }

  /** Count this writer's ids written after the restored checkpoint (by the failed attempt). */
  private async scan(from: readonly TopicPartitionOffset[], ends: readonly TopicPartitionOffset[]): Promise<void> {
    const reader = KafkaReader.create(this.options.connection, { isolationLevel: "read_uncommitted" });
    try {
      reader.assign(from);
      const end = (p: TopicPartitionOffset) => ends.find((e) => e.partition === p.partition)?.offset ?? 0;
      const mine = `${this.writer}:`;
      let found = 0;
      while (reader.currentPositions().some((p) => p.offset < end(p))) {
        for (const polled of await reader.poll({ maxWaitMs: 100 })) {
          for (const r of polled.records) {
            if (r.offset >= end(r)) continue;
            const header = r.headers.find((h) => h.key === DEDUP_HEADER)?.value;
            const id = header === null || header === undefined ? null : Buffer.from(header).toString("utf8");
            if (id === null || !id.startsWith(mine)) continue;
            this.skip.set(id, (this.skip.get(id) ?? 0) + 1);
            found++;
          }
        }
      }
      if (found > 0) log.info(`Kafka sink ${this.writer}: ${found} record(s) written after the restored checkpoint will be skipped in the replay`);
    } finally {
      await reader.close();
    }
  }

  processBatch(batch: RecordBatch<T>, _out: Output<never>): void | Promise<void> {
    if (this.error !== null) throw this.error;
    const records: KafkaOutputRecord[] = [];
    for (const value of batch.values) {
      const record = this.toRecord(value);
      if (!this.options.dedup) {
        records.push(record);
        continue;
      }
      const id = `${this.writer}:${this.recordId?.(value) ?? contentHash(record)}`;
      const left = this.skip.get(id);
      if (left !== undefined) {
        if (left <= 1) this.skip.delete(id);
        else this.skip.set(id, left - 1);
        continue;
      }
      records.push({ ...record, headers: [...(record.headers ?? []), { key: DEDUP_HEADER, value: id }] });
    }
    if (records.length === 0) return;
    for (const r of records) this.buffer.push(r);
    this.pump();
    // Backpressure: past MAX_BUFFERED_RECORDS the task waits until the buffer went out.
    if (this.buffer.length >= MAX_BUFFERED_RECORDS && this.pumping !== null) return this.pumping;
  }

  private pump(): void {
    if (this.pumping !== null) return;
    const producer = this.producer!;
    this.pumping = (async () => {
      try {
        while (this.buffer.length > 0 && this.error === null) await producer.send(this.buffer.splice(0));
      } catch (error) {
        this.error ??= error;
      } finally {
        this.pumping = null;
      }
    })();
  }

  /** at-least-once: wait for every acknowledgement; none: only report an earlier failure. */
  snapshotState(_checkpointId: number): Promise<DedupState | null> | null {
    if (this.options.delivery === "none") {
      if (this.error !== null) throw this.error;
      return null;
    }
    return this.flush().then(async () => {
      if (!this.options.dedup) return null;
      const admin = KafkaAdmin.create(this.options.connection);
      try {
        const offsets = await admin.listOffsets(this.partitions.map((partition) => ({ topic: this.options.topic, partition })), "latest", "read_uncommitted");
        return { version: 1 as const, subtask: this.subtask, offsets, skip: [...this.skip] };
      } finally {
        await admin.close();
      }
    });
  }

  endInput(_out: Output<never>): Promise<void> {
    return this.flush();
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.close();
  }

  private async flush(): Promise<void> {
    while (this.pumping !== null) await this.pumping;
    await this.producer!.flush().catch((error: unknown) => {
      this.error ??= error;
    });
    if (this.error !== null) throw this.error;
  }
}

/** 64-bit content hash of the encoded key and value (hex). */
function contentHash(record: KafkaOutputRecord): string {
  const part = (v: Uint8Array | string | null | undefined) => (v === null || v === undefined ? "\u0000" : typeof v === "string" ? v : Buffer.from(v).toString("base64"));
  return Bun.hash(`${part(record.key)}\u0001${part(record.value)}`).toString(16);
}
