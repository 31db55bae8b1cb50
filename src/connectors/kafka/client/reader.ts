/**
 * @module connectors/kafka/client/reader
 * KafkaReader: reads explicitly assigned partitions from given offsets with raw Fetch requests (no
 * consumer group, no rebalancing: the job assigns partitions to source subtasks and keeps the offsets
 * in checkpoints). read_committed by default, filtered by read-committed.ts.
 *
 * `poll({ maxWaitMs })` sends one Fetch per partition leader (in parallel) with the broker's max wait
 * set to `maxWaitMs`, so it returns what is available at once, or after at most maxWaitMs when nothing
 * is; positions advance past what it returned. Partition errors that mean "metadata moved" (leader
 * change, new topic id) refresh the metadata and return nothing for that partition this time; an
 * offset out of range throws (the source decides: reset or fail).
 */
import type { Admin, Callback, ClusterMetadata, Connection, fetchV17 } from "@platformatic/kafka";

type FetchRequestTopic = fetchV17.FetchRequestTopic;
type FetchResponse = fetchV17.FetchResponse;
import { InternalError } from "../../../core/index.ts";
import { KafkaConnectorError, withDeadline } from "./errors.ts";
import { kafkaLibrary, loadedKafkaLibrary } from "./library.ts";
import { describeBootstrap, resolveConnection, toLibraryOptions, type KafkaConnectionInput, type KafkaConnectionOptions } from "./options.ts";
import { decodePartitionBatches } from "./read-committed.ts";
import { toBigOffset, toSafeNumber, type IsolationLevel, type KafkaRecord, type TopicPartition, type TopicPartitionOffset } from "./types.ts";

export interface ReaderOptions {
  /** Default "read_committed". */
  readonly isolationLevel?: IsolationLevel;
  /** Max bytes of one Fetch response (broker-side bound, per leader). Default 16 MiB. */
  readonly maxBytes?: number;
  /** Max bytes per partition in one Fetch response. Default 1 MiB (one larger batch still comes whole). */
  readonly partitionMaxBytes?: number;
  /** Default max wait of `poll`, ms. Default 100. */
  readonly maxWaitMs?: number;
}

/** What one poll returned for one partition. */
export interface PolledPartition extends TopicPartition {
  readonly records: KafkaRecord[];
  /** The reader's new position: the next offset to fetch. */
  readonly nextOffset: number;
  /** The partition's end: last stable offset (read_committed) or high watermark (read_uncommitted). */
  readonly endOffset: number;
}

/** Partition errors after which the next poll just retries with fresh metadata. */
const STALE_METADATA = new Set(["NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH", "UNKNOWN_TOPIC_ID", "UNKNOWN_TOPIC_OR_PARTITION", "OFFSET_NOT_AVAILABLE", "KAFKA_STORAGE_ERROR"]);

type FetchApi = ((connection: Connection, ...args: [number, number, number, number, number, number, FetchRequestTopic[], never[], string, Callback<FetchResponse>]) => void) & { version: number };

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * @example
 * const reader = KafkaReader.create({ bootstrapServers: "127.0.0.1:9092" });
 * reader.assign([{ topic: "events", partition: 0, offset: 0 }]);
 * for (const { records } of await reader.poll({ maxWaitMs: 100 })) for (const r of records) console.log(r.offset);
 * await reader.close();
 */
export class KafkaReader {
  readonly isolationLevel: IsolationLevel;
  private readonly options: KafkaConnectionOptions;
  private readonly bootstrap: string;
  /** The library client, built (and @platformatic/kafka loaded, see library.ts) by the first poll. */
  private client: Admin | null = null;
  private readonly maxBytes: number;
  private readonly partitionMaxBytes: number;
  private readonly defaultMaxWaitMs: number;
  private readonly positions = new Map<string, TopicPartitionOffset>();
  private metadataStale = true;
  private polling = false;
  private closed = false;

  private constructor(options: KafkaConnectionOptions, readerOptions: ReaderOptions) {
    this.options = options;
    this.bootstrap = describeBootstrap(options);
    this.isolationLevel = readerOptions.isolationLevel ?? "read_committed";
    this.maxBytes = readerOptions.maxBytes ?? 16 * 1024 * 1024;
    this.partitionMaxBytes = readerOptions.partitionMaxBytes ?? 1024 * 1024;
    this.defaultMaxWaitMs = readerOptions.maxWaitMs ?? 100;
  }

  static create(connection: KafkaConnectionOptions | KafkaConnectionInput, options: ReaderOptions = {}): KafkaReader {
    return new KafkaReader(resolveConnection(connection), options);
  }

  /** Replace the assignment: read exactly these partitions, each from its `offset`. */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    this.positions.clear();
    for (const p of partitions) this.seek(p.topic, p.partition, p.offset);
    this.metadataStale = true;
  }

  /** Move one assigned (or new) partition to `offset`. */
  seek(topic: string, partition: number, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new InternalError(`Kafka reader: offset of ${topic}-${partition} must be a non-negative integer, got ${offset}`);
    this.positions.set(key(topic, partition), { topic, partition, offset });
  }

  /** The next offset to read of every assigned partition (what a checkpoint stores). */
  currentPositions(): TopicPartitionOffset[] {
    return [...this.positions.values()];
  }

  /**
   * Fetch what is available from every assigned partition, waiting at most `maxWaitMs` for data when
   * there is none. Resolves with the partitions that returned records or moved; throws a
   * KafkaConnectorError on broker/network failure (bounded by maxWaitMs + requestTimeoutMs) or when an
   * offset is out of range (code KAFKA_OFFSET_OUT_OF_RANGE).
   */
  async poll(options: { maxWaitMs?: number } = {}): Promise<PolledPartition[]> {
    if (this.closed) throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: poll on a closed reader`, { code: "KAFKA_CLOSED", domain: "internal" });
    if (this.polling) throw new InternalError("KafkaReader.poll called while a poll is running");
    if (this.positions.size === 0) return [];
    const maxWaitMs = options.maxWaitMs ?? this.defaultMaxWaitMs;
    this.polling = true;
    try {
      const client = this.client ?? (await this.createClient());
      return await withDeadline({ bootstrap: this.bootstrap, operation: `fetch of ${this.describeAssignment()}` }, maxWaitMs + this.options.requestTimeoutMs, () => this.fetchAll(client, maxWaitMs));
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client?.close().catch(() => undefined);
  }

  /** Build the library client (polls run one at a time, so at most one is built). */
  private async createClient(): Promise<Admin> {
    const { Admin } = await kafkaLibrary();
    const client = new Admin(toLibraryOptions(this.options, "reader"));
    this.client = client;
    // Closed while the library loaded: the poll fails as on a closed client.
    if (this.closed) await client.close().catch(() => undefined);
    return client;
  }

  private async fetchAll(client: Admin, maxWaitMs: number): Promise<PolledPartition[]> {
    const topics = [...new Set([...this.positions.values()].map((p) => p.topic))];
    const metadata = await client.metadata({ topics, forceUpdate: this.metadataStale });
    this.metadataStale = false;
    const byLeader = new Map<number, TopicPartitionOffset[]>();
    for (const position of this.positions.values()) {
      const topic = metadata.topics.get(position.topic);
      const leader = topic?.partitions[position.partition]?.leader;
      if (topic === undefined || leader === undefined || leader < 0) {
        if (topic !== undefined && position.partition >= topic.partitionsCount) {
          throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: partition ${position.partition} of topic '${position.topic}' does not exist (it has ${topic.partitionsCount})`, { code: "KAFKA_BROKER_ERROR", domain: "user", brokerError: "UNKNOWN_TOPIC_OR_PARTITION" });
        }
        this.metadataStale = true;
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), position]);
    }
    const results = await Promise.all([...byLeader].map(([leader, partitions]) => this.fetchFromLeader(client, metadata, leader, partitions, maxWaitMs)));
    return results.flat();
  }

  private async fetchFromLeader(client: Admin, metadata: ClusterMetadata, leader: number, partitions: readonly TopicPartitionOffset[], maxWaitMs: number): Promise<PolledPartition[]> {
    const broker = metadata.brokers.get(leader);
    if (broker === undefined) {
      this.metadataStale = true;
      return [];
    }
    const library = loadedKafkaLibrary();
    const api = await new Promise<FetchApi>((resolve, reject) => client[library.kGetApi]("Fetch", (e, a) => (e || a === undefined ? reject(e) : resolve(a as unknown as FetchApi))));
    const connection = await new Promise<Connection>((resolve, reject) => client[library.kGetConnection](broker, (e, c) => (e || c === undefined ? reject(e) : resolve(c))));
    const byName = api.version <= 12; // Fetch <= v12 names topics, later versions use topic ids
    const topicIds = new Map<string, string>();
    const requested = new Map<string, TopicPartitionOffset[]>();
    for (const p of partitions) requested.set(p.topic, [...(requested.get(p.topic) ?? []), p]);
    const request: FetchRequestTopic[] = [...requested].map(([topic, ps]) => {
      const id = byName ? topic : metadata.topics.get(topic)!.id;
      topicIds.set(id, topic);
      return { topicId: id, partitions: ps.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: toBigOffset(p.offset), lastFetchedEpoch: -1, partitionMaxBytes: this.partitionMaxBytes })) };
    });
    const isolation = this.isolationLevel === "read_committed" ? library.FetchIsolationLevels.READ_COMMITTED : library.FetchIsolationLevels.READ_UNCOMMITTED;
    const response = await new Promise<FetchResponse>((resolve, reject) => {
      // sessionId 0 + epoch -1: a full fetch outside any fetch session (KIP-227), so each poll is self-contained.
      api(connection, maxWaitMs, 1, this.maxBytes, isolation, 0, -1, request, [], "", (error, result) => {
        // A partition error fails the whole response in the library; the parsed response rides along.
        const parsed = result ?? (error as { response?: FetchResponse } | null)?.response;
        if (parsed !== undefined && parsed.responses !== undefined && parsed.errorCode === 0) resolve(parsed);
        else reject(error ?? new Error("empty Fetch response"));
      });
    });
    return this.decode(response, topicIds);
  }

  private decode(response: FetchResponse, topicIds: ReadonlyMap<string, string>): PolledPartition[] {
    const { protocolErrorsCodesById } = loadedKafkaLibrary();
    const polled: PolledPartition[] = [];
    for (const topicResponse of response.responses) {
      const topic = topicIds.get(topicResponse.topicId);
      if (topic === undefined) continue;
      for (const p of topicResponse.partitions) {
        const position = this.positions.get(key(topic, p.partitionIndex));
        if (position === undefined) continue;
        if (p.errorCode !== 0) {
          const name = protocolErrorsCodesById[p.errorCode] ?? `error ${p.errorCode}`;
          if (name === "OFFSET_OUT_OF_RANGE") {
            throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: offset ${position.offset} of ${topic}-${p.partitionIndex} is out of range (log start ${p.logStartOffset}, end ${p.highWatermark})`, { code: "KAFKA_OFFSET_OUT_OF_RANGE", domain: "external", retriable: false, brokerError: name });
          }
          if (STALE_METADATA.has(name)) {
            this.metadataStale = true;
            continue;
          }
          throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: fetch of ${topic}-${p.partitionIndex} failed: the broker answered ${name}`, { code: "KAFKA_BROKER_ERROR", domain: "external", retriable: true, brokerError: name });
        }
        const decoded = decodePartitionBatches(topic, p.partitionIndex, position.offset, p.records ?? [], p.abortedTransactions, this.isolationLevel === "read_committed");
        const endOffset = toSafeNumber(this.isolationLevel === "read_committed" ? p.lastStableOffset : p.highWatermark, "offset");
        if (decoded.nextOffset !== position.offset || decoded.records.length > 0) {
          this.positions.set(key(topic, p.partitionIndex), { topic, partition: p.partitionIndex, offset: decoded.nextOffset });
          polled.push({ topic, partition: p.partitionIndex, records: decoded.records, nextOffset: decoded.nextOffset, endOffset });
        }
      }
    }
    return polled;
  }

  private describeAssignment(): string {
    const parts = [...this.positions.values()].slice(0, 4).map((p) => `${p.topic}-${p.partition}@${p.offset}`);
    return parts.join(", ") + (this.positions.size > 4 ? ` and ${this.positions.size - 4} more` : "");
  }
}
