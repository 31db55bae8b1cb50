/**
 * splitForSend: a large send is cut into consecutive, order-preserving requests under MAX_SEND_BYTES
 * (the broker refuses a partition batch over message.max.bytes with MESSAGE_TOO_LARGE).
 */
import { describe, expect, test } from "bun:test";
import { MAX_SEND_BYTES, splitForSend } from "./records.ts";
import type { KafkaOutputRecord } from "./types.ts";

const records = (n: number, bytes: number): KafkaOutputRecord[] => Array.from({ length: n }, (_, i) => ({ topic: "t", value: new Uint8Array(bytes).fill(i % 256) }));

describe("splitForSend", () => {
  test("a small send stays one request (the same array)", () => {
    const small = records(100, 100);
    expect(splitForSend(small)).toEqual([small]);
  });

  test("70,000 records of 100 bytes: chunks under the limit, in order, nothing lost", () => {
    const all = records(70_000, 100);
    const chunks = splitForSend(all);
    expect(chunks.length).toBeGreaterThan(7);
    for (const c of chunks) expect(c.length * 100).toBeLessThan(MAX_SEND_BYTES);
    expect(chunks.flat()).toEqual(all);
  });

  test("a record larger than the limit goes alone; strings count UTF-8 bytes", () => {
    const big: KafkaOutputRecord = { topic: "t", value: "é".repeat(600_000) };
    const chunks = splitForSend([{ topic: "t", value: "a" }, big, { topic: "t", value: "b" }]);
    expect(chunks.map((c) => c.length)).toEqual([1, 1, 1]);
  });
});
