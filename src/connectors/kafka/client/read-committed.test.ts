/**
 * decodePartitionBatches on hand-made batches: the read_committed cases a broker produces only with
 * luck (several aborted transactions of one producer in one response, a response without the ABORT
 * marker, a batch starting before the fetch offset). The real-broker tests are in test/kafka/.
 */
import { describe, expect, test } from "bun:test";
import type { RecordsBatch } from "@platformatic/kafka";
import { decodePartitionBatches } from "./read-committed.ts";

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

/** A batch of `count` records from `first`; values are "v<offset>". */
function batch(first: number, count: number, producerId: number, attributes = producerId >= 0 ? TRANSACTIONAL : 0): RecordsBatch {
  return {
    firstOffset: BigInt(first), length: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes, lastOffsetDelta: count - 1,
    firstTimestamp: 1000n, maxTimestamp: 1000n, producerId: BigInt(producerId), producerEpoch: 0, firstSequence: 0,
    records: Array.from({ length: count }, (_, i) => ({ length: 0, attributes: 0, timestampDelta: BigInt(i), offsetDelta: i, key: null, value: Buffer.from(`v${first + i}`), headers: [] })),
  };
}

/** A control batch (marker) at `offset`: type 0 = ABORT, 1 = COMMIT. */
function marker(offset: number, producerId: number, type: 0 | 1): RecordsBatch {
  const b = batch(offset, 1, producerId, TRANSACTIONAL | CONTROL);
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  b.records[0]!.key = key;
  return b;
}

const values = (batches: RecordsBatch[], aborted: { producerId: bigint; firstOffset: bigint }[], fetchOffset = 0) =>
  decodePartitionBatches("t", 0, fetchOffset, batches, aborted, true).records.map((r) => String(r.value));

describe("decodePartitionBatches (read_committed)", () => {
  test("drops every aborted transaction of one producer, keeps its committed one in between", () => {
    const batches = [batch(0, 2, 7), marker(2, 7, 0), batch(3, 2, 7), marker(5, 7, 1), batch(6, 2, 7), marker(8, 7, 0)];
    expect(values(batches, [{ producerId: 7n, firstOffset: 0n }, { producerId: 7n, firstOffset: 6n }])).toEqual(["v3", "v4"]);
  });

  test("drops an aborted transaction whose ABORT marker is not in this response", () => {
    expect(values([batch(0, 3, 7), batch(3, 3, 7)], [{ producerId: 7n, firstOffset: 0n }])).toEqual([]);
  });

  test("drops the rest of an aborted transaction that began before the fetch offset", () => {
    expect(values([batch(10, 3, 7), marker(13, 7, 0), batch(14, 1, 8)], [{ producerId: 7n, firstOffset: 2n }], 10)).toEqual(["v14"]);
  });

  test("keeps non-transactional data and other producers interleaved with an aborted transaction", () => {
    const batches = [batch(0, 1, 7), batch(1, 1, -1), batch(2, 1, 8), marker(3, 8, 1), marker(4, 7, 0)];
    expect(values(batches, [{ producerId: 7n, firstOffset: 0n }])).toEqual(["v1", "v2"]);
  });

  test("skips records before the fetch offset and moves past markers", () => {
    const decoded = decodePartitionBatches("t", 0, 1, [batch(0, 3, 7), marker(3, 7, 1)], [], true);
    expect(decoded.records.map((r) => [r.offset, r.timestampMs])).toEqual([[1, 1001], [2, 1002]]);
    expect(decoded.nextOffset).toBe(4);
  });

  test("read_uncommitted keeps aborted data (markers still skipped)", () => {
    const decoded = decodePartitionBatches("t", 0, 0, [batch(0, 2, 7), marker(2, 7, 0)], [{ producerId: 7n, firstOffset: 0n }], false);
    expect(decoded.records.map((r) => String(r.value))).toEqual(["v0", "v1"]);
    expect(decoded.nextOffset).toBe(3);
  });
});
