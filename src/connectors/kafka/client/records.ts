/**
 * @module connectors/kafka/client/records
 * Conversions between the facade's record types and @platformatic/kafka's (Buffers, bigint
 * timestamps, header maps), without copying bytes.
 */
import type { MessageToProduce } from "@platformatic/kafka";
import type { KafkaOutputRecord } from "./types.ts";

function toBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** One output record -> the library's message (null key/value -> absent, written as null). */
export function toLibraryMessage(record: KafkaOutputRecord): MessageToProduce {
  const message: MessageToProduce = { topic: record.topic };
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.key !== undefined && record.key !== null) message.key = toBuffer(record.key);
  if (record.value !== null) message.value = toBuffer(record.value);
  if (record.timestampMs !== undefined) message.timestamp = BigInt(Math.trunc(record.timestampMs));
  if (record.headers !== undefined && record.headers.length > 0) {
    message.headers = new Map(record.headers.map((h) => [toBuffer(h.key), toBuffer(h.value)]));
  }
  return message;
}
