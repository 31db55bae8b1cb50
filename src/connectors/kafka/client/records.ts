/**
 * @module connectors/kafka/client/records
 * Conversions between the facade's record types and @platformatic/kafka's (Buffers, bigint
 * timestamps, header maps), without copying bytes; and the split of a large send into requests the
 * broker accepts.
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

/**
 * Most (estimated) bytes of one produce request. The library puts all records of one send for one
 * partition into one record batch, and the broker refuses a batch above message.max.bytes (1 MiB by
 * default) with MESSAGE_TOO_LARGE; bounding the whole request bounds every partition's batch, also
 * when all records go to one partition (as the Java producer's max.request.size does).
 */
export const MAX_SEND_BYTES = 960 * 1024;
/** Per-record framing in a v2 record batch (length, attributes, deltas, varint sizes), over-estimated. */
const RECORD_OVERHEAD_BYTES = 24;

const byteSize = (data: Uint8Array | string | null | undefined): number => (data === null || data === undefined ? 0 : typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.byteLength);

/** `records` cut into consecutive runs of at most `maxBytes` (estimated); a larger single record goes alone. */
export function splitForSend(records: readonly KafkaOutputRecord[], maxBytes = MAX_SEND_BYTES): (readonly KafkaOutputRecord[])[] {
  const chunks: (readonly KafkaOutputRecord[])[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let size = RECORD_OVERHEAD_BYTES + byteSize(r.key) + byteSize(r.value);
    if (r.headers !== undefined) for (const h of r.headers) size += byteSize(h.key) + byteSize(h.value) + 8;
    if (i > start && bytes + size > maxBytes) {
      chunks.push(records.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start === 0) return [records];
  chunks.push(records.slice(start));
  return chunks;
}
