/**
 * @module connectors/kafka/client/types
 * Plain data types shared by the Kafka client layer (partitions, offsets, records) and the number
 * conversions: offsets, timestamps and producer ids are int64 in Kafka and `number` here (exact up to
 * 2^53, far beyond any real offset), so checkpoints can store them as JSON.
 */
import { InternalError } from "../../../core/index.ts";

/** `read_committed` hides records of open and aborted transactions (the default everywhere here). */
export type IsolationLevel = "read_committed" | "read_uncommitted";

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A partition and an offset (for positions: the next offset to read). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

/** One record header; Kafka header keys are strings, values bytes (or null). */
export interface KafkaHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** One record as read. `timestampMs` is the record's timestamp (create time or log-append time). */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestampMs: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly KafkaHeader[];
}

/** One record to write. Without `partition`, the library's default partitioner picks one from the key. */
export interface KafkaOutputRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key?: Uint8Array | string | null;
  readonly value: Uint8Array | string | null;
  readonly timestampMs?: number;
  readonly headers?: readonly { readonly key: string; readonly value: Uint8Array | string }[];
}

/** int64 from the wire -> number, refusing values a double cannot hold exactly. */
export function toSafeNumber(value: bigint, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InternalError(`Kafka ${what} ${value} does not fit a JavaScript number exactly`);
  return n;
}

/** number -> int64 for the wire. */
export function toBigOffset(value: number): bigint {
  if (!Number.isSafeInteger(value)) throw new InternalError(`Kafka offset/id ${value} is not a safe integer`);
  return BigInt(value);
}
