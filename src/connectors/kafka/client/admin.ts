/**
 * @module connectors/kafka/client/admin
 * KafkaAdmin: the admin calls the Kafka connectors need (create a topic, list partitions, list offsets,
 * read and write a group's committed offsets for monitoring), each bounded by our deadline.
 */
import type { Admin } from "@platformatic/kafka";
import { KafkaConnectorError, withDeadline } from "./errors.ts";
import { kafkaLibrary, loadedKafkaLibrary } from "./library.ts";
import { describeBootstrap, resolveConnection, toLibraryOptions, type KafkaConnectionInput, type KafkaConnectionOptions } from "./options.ts";
import { toBigOffset, toSafeNumber, type IsolationLevel, type TopicPartition, type TopicPartitionOffset } from "./types.ts";

/** Where to start reading a partition: its first offset, its end, or the first record at/after a time. */
export type OffsetSpec = "earliest" | "latest" | { readonly timestampMs: number };

/** Partitions of one topic. */
export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

/** A group's committed offset of one partition; `offset` is null when the group committed none. */
export interface CommittedOffset extends TopicPartition {
  readonly offset: number | null;
}

/**
 * Admin client. Create with `KafkaAdmin.create(options)`, close when done. The library client is built
 * (and @platformatic/kafka loaded, see library.ts) on the first call.
 *
 * @example
 * const admin = KafkaAdmin.create({ bootstrapServers: "127.0.0.1:9092" });
 * await admin.createTopic("events", { partitions: 3 });
 * const ends = await admin.listOffsets([{ topic: "events", partition: 0 }], "latest");
 * await admin.close();
 */
export class KafkaAdmin {
  readonly options: KafkaConnectionOptions;
  private readonly bootstrap: string;
  /** The library client, built on first use. */
  private admin: Promise<Admin> | null = null;
  private closed = false;

  private constructor(options: KafkaConnectionOptions) {
    this.options = options;
    this.bootstrap = describeBootstrap(options);
  }

  /** Validate the options (KafkaConnectorError "user" if bad) and create the client; connects lazily. */
  static create(options: KafkaConnectionOptions | KafkaConnectionInput): KafkaAdmin {
    return new KafkaAdmin(resolveConnection(options));
  }

  /** The library client, for the protocol helpers of this folder (coordinator lookups); built on first use. */
  libraryClient(): Promise<Admin> {
    this.admin ??= kafkaLibrary().then(
      async (library) => {
        const admin = new library.Admin(toLibraryOptions(this.options, "admin"));
        // Closed before its first call: calls fail as on a closed client.
        if (this.closed) await admin.close().catch(() => undefined);
        return admin;
      },
      (error: unknown) => {
        this.admin = null;
        throw error;
      },
    );
    return this.admin;
  }

  /** Create a topic; with `ifNotExists` an existing topic is fine (its partition count is not checked). */
  async createTopic(topic: string, options: { partitions?: number; replicationFactor?: number; configs?: Record<string, string>; ifNotExists?: boolean } = {}): Promise<void> {
    const partitions = options.partitions ?? 1;
    try {
      await this.call(`createTopic '${topic}' (${partitions} partitions)`, (admin) =>
        admin.createTopics({
          topics: [topic],
          partitions,
          replicas: options.replicationFactor ?? 1,
          configs: Object.entries(options.configs ?? {}).map(([name, value]) => ({ name, value })),
        }),
      );
    } catch (error) {
      if (options.ifNotExists === true && error instanceof KafkaConnectorError && error.brokerError === "TOPIC_ALREADY_EXISTS") return;
      throw error;
    }
  }

  /** Delete topics (tests and examples). */
  async deleteTopics(topics: readonly string[]): Promise<void> {
    await this.call(`deleteTopics ${topics.join(",")}`, (admin) => admin.deleteTopics({ topics: [...topics] }));
  }

  /** Names of the (non-internal) topics of the cluster. */
  async listTopics(): Promise<string[]> {
    return this.call("listTopics", (admin) => admin.listTopics({ includeInternals: false }));
  }

  /** Partition ids of each topic; a missing topic is a KafkaConnectorError (domain "user") naming it. */
  async listPartitions(topics: readonly string[]): Promise<TopicPartitions[]> {
    if (topics.length === 0) return [];
    const existing = new Set(await this.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: topic(s) ${missing.map((t) => `'${t}'`).join(", ")} do not exist`, { code: "KAFKA_BROKER_ERROR", domain: "user", brokerError: "UNKNOWN_TOPIC_OR_PARTITION" });
    }
    const metadata = await this.call(`metadata of ${topics.join(",")}`, (admin) => admin.metadata({ topics: [...topics], forceUpdate: true }));
    return topics.map((topic) => {
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      return { topic, partitions: Array.from({ length: count }, (_, i) => i) };
    });
  }

  /** Partitions of every topic whose whole name matches `pattern` (sorted by topic name). */
  async listPartitionsMatching(pattern: RegExp): Promise<TopicPartitions[]> {
    const anchored = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ""));
    const topics = (await this.listTopics()).filter((t) => anchored.test(t)).sort();
    return this.listPartitions(topics);
  }

  /**
   * Offsets of partitions: `earliest` (log start), `latest` (the end: the last stable offset under
   * read_committed, the high watermark under read_uncommitted) or `{ timestampMs }` (the first offset
   * whose record timestamp is >= it; the end offset when no record is that late, as Flink does).
   */
  async listOffsets(partitions: readonly TopicPartition[], spec: OffsetSpec, isolation: IsolationLevel = "read_committed"): Promise<TopicPartitionOffset[]> {
    if (partitions.length === 0) return [];
    const what = typeof spec === "string" ? spec : `timestamp ${spec.timestampMs}`;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const listed = await this.call(`listOffsets (${what}) of ${[...byTopic.keys()].join(",")}`, (admin) => {
      const { FetchIsolationLevels, ListOffsetTimestamps } = loadedKafkaLibrary();
      const timestamp = spec === "earliest" ? ListOffsetTimestamps.EARLIEST : spec === "latest" ? ListOffsetTimestamps.LATEST : BigInt(Math.trunc(spec.timestampMs));
      return admin.listOffsets({
        topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp })) })),
        isolationLevel: isolation === "read_committed" ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED,
      });
    });
    const found = new Map<string, number>();
    for (const t of listed) for (const p of t.partitions) found.set(`${t.name}:${p.partitionIndex}`, toSafeNumber(p.offset, "offset"));
    const result = partitions.map(({ topic, partition }) => ({ topic, partition, offset: found.get(`${topic}:${partition}`) ?? -1 }));
    const unmatched = result.filter((r) => r.offset < 0);
    if (typeof spec === "object" && unmatched.length > 0) {
      const ends = await this.listOffsets(unmatched, "latest", isolation);
      const endOf = new Map(ends.map((e) => [`${e.topic}:${e.partition}`, e.offset]));
      return result.map((r) => (r.offset >= 0 ? r : { ...r, offset: endOf.get(`${r.topic}:${r.partition}`) ?? r.offset }));
    }
    return result;
  }

  /** The offsets `groupId` committed for `partitions` (null where it committed none). */
  async fetchCommittedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<CommittedOffset[]> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const groups = await this.call(`fetchCommittedOffsets of group '${groupId}'`, (admin) =>
      admin.listConsumerGroupOffsets({ groups: [{ groupId, topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })) }] }),
    );
    const found = new Map<string, number>();
    for (const g of groups) for (const t of g.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) found.set(`${t.name}:${p.partitionIndex}`, toSafeNumber(p.committedOffset, "offset"));
    return partitions.map(({ topic, partition }) => ({ topic, partition, offset: found.get(`${topic}:${partition}`) ?? null }));
  }

  /**
   * Commit offsets for `groupId` (monitoring only: Bicycle restores positions from checkpoints). The
   * group must have no active members (Bicycle's sources never join it). `offset` is the next offset to
   * read, as in Kafka.
   */
  async commitGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, { partition: number; offset: bigint }[]>();
    for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: toBigOffset(o.offset) }]);
    await this.call(`commitGroupOffsets of group '${groupId}'`, (admin) =>
      admin.alterConsumerGroupOffsets({ groupId, topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })) }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = await this.admin?.catch(() => null);
    await admin?.close().catch(() => undefined);
  }

  /** Every call: bounded by operationTimeoutMs (from when the library client exists). */
  private async call<T>(operation: string, run: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.libraryClient();
    return withDeadline({ bootstrap: this.bootstrap, operation }, this.options.operationTimeoutMs, () => run(admin));
  }
}
