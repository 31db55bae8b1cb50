/**
 * @module connectors/kafka/client/read-committed
 * Turns the record batches of one partition of one Fetch response into records, dropping control
 * batches and, under read_committed, the batches of aborted transactions.
 *
 * Why not the library's filter: @platformatic/kafka's Consumer drops an aborted transaction only when
 * its ABORT marker is in the same response ("open ranges are ignored for safety"), so a large aborted
 * transaction split across fetch responses leaks into a read_committed reader; it also keeps one range
 * per producer id per response. This is the Java client's algorithm (CompletedFetch):
 *
 *   aborted = the response's abortedTransactions, by firstOffset     (broker: every aborted txn that
 *   abortedProducers = {}                                             overlaps the fetched range, also
 *   for each batch, in offset order:                                  one that began before it)
 *     if the batch has a producer id:
 *       move every txn of `aborted` with firstOffset <= batch.lastOffset into abortedProducers
 *       if the batch is an ABORT marker of a producer in abortedProducers: remove that producer
 *       else if the batch is transactional and its producer is in abortedProducers: drop the batch
 *     drop control batches (COMMIT/ABORT markers); keep the rest
 *
 * Each response is self-contained: the broker lists an aborted transaction in every response whose
 * range it overlaps, so no state is carried between fetches. Under read_committed the broker returns
 * nothing past the last stable offset, so open transactions are never seen.
 */
import type { RecordsBatch } from "@platformatic/kafka";
import { toSafeNumber, type KafkaHeader, type KafkaRecord } from "./types.ts";

/** Record batch attribute bits (Kafka's DefaultRecordBatch). */
const TIMESTAMP_TYPE_LOG_APPEND = 0x08;
const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
/** Control record key: version (int16), type (int16): 0 = ABORT, 1 = COMMIT. */
const CONTROL_TYPE_ABORT = 0;

/** One aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
}

/** The records of one partition's fetched batches, and the offset to fetch next. */
export interface DecodedPartition {
  readonly records: KafkaRecord[];
  /** The offset after the last batch of the response (past markers and dropped batches), never below `fetchOffset`. */
  readonly nextOffset: number;
}

function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === CONTROL_TYPE_ABORT;
}

function decodeHeaders(headers: readonly [Buffer | null, Buffer | null][]): KafkaHeader[] {
  return headers.map(([key, value]) => ({ key: key === null ? "" : key.toString("utf8"), value }));
}

/**
 * Decode one partition's batches. `readCommitted` drops aborted transactions as described above;
 * records below `fetchOffset` (a batch may start before it) are skipped.
 */
export function decodePartitionBatches(topic: string, partition: number, fetchOffset: number, batches: readonly RecordsBatch[], abortedTransactions: readonly AbortedTransaction[] | null, readCommitted: boolean): DecodedPartition {
  const pending = readCommitted ? [...(abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  const abortedProducers = new Set<bigint>();
  const records: KafkaRecord[] = [];
  let nextOffset = fetchOffset;
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    nextOffset = Math.max(nextOffset, toSafeNumber(lastOffset, "offset") + 1);
    const isControl = (batch.attributes & IS_CONTROL) !== 0;
    if (readCommitted && batch.producerId >= 0n) {
      while (pending.length > 0 && pending[0]!.firstOffset <= lastOffset) abortedProducers.add(pending.shift()!.producerId);
      if (isControl && isAbortMarker(batch)) {
        abortedProducers.delete(batch.producerId);
        continue;
      }
      if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId)) continue;
    }
    if (isControl) continue;
    const logAppendTime = (batch.attributes & TIMESTAMP_TYPE_LOG_APPEND) !== 0;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < BigInt(fetchOffset)) continue;
      records.push({
        topic,
        partition,
        offset: toSafeNumber(offset, "offset"),
        timestampMs: toSafeNumber(logAppendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta, "timestamp"),
        key: record.key,
        value: record.value,
        headers: decodeHeaders(record.headers),
      });
    }
  }
  return { records, nextOffset };
}
