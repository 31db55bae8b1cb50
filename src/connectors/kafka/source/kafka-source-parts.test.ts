/**
 * Unit tests of the Kafka source's parts that need no broker: option errors, decoding, partition
 * assignment and state union, per-partition watermarks.
 */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { assignPartitions, toState, unionStates } from "./assignment.ts";
import { createDecoder } from "./decode.ts";
import { parseKafkaSourceConfig } from "./options.ts";
import { PartitionWatermarks } from "./partition-watermarks.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("options", () => {
  test("defaults and clear errors", () => {
    const c = parseKafkaSourceConfig({ connection: { bootstrapServers: "127.0.0.1:9092" }, topics: ["t"] });
    expect(c.isolationLevel).toBe("read_committed");
    expect(c.startFrom).toBe("earliest");
    expect(c.onBadRecord).toBe("fail");
    expect(c.format).toBe("raw");
    expect(() => parseKafkaSourceConfig({ connection: { bootstrapServers: "x" }, topics: ["t"], topicPattern: "t.*", startFrom: "first", onBadRecord: "ignore", format: "xml" })).toThrow(
      /bootstrapServers.*|startFrom: must be "earliest"/,
    );
    try {
      parseKafkaSourceConfig({ connection: { bootstrapServers: "x" }, topics: ["t"], topicPattern: "t.*", startFrom: "first", onBadRecord: "ignore", format: "xml" });
    } catch (e) {
      const m = (e as Error).message;
      for (const key of ["connection.bootstrapServers", "startFrom", "onBadRecord", "format"]) expect(m).toContain(key);
    }
    expect(() => parseKafkaSourceConfig({ connection: { bootstrapServers: "a:1" }, topics: ["t"], topicPattern: "t.*" })).toThrow(/exactly one of 'topics'/);
    expect(() => parseKafkaSourceConfig({ connection: { bootstrapServers: "a:1" } })).toThrow(/exactly one of 'topics'/);
    expect(parseKafkaSourceConfig({ connection: { bootstrapServers: "a:1" }, topicPattern: "x", startFrom: { committedOffsets: "g" } }).startFrom).toEqual({ committedOffsets: "g", fallback: "earliest" });
  });
});

describe("decode", () => {
  test("raw, string, json, schema; null is null", () => {
    expect(createDecoder("raw")(bytes("a"))).toEqual({ ok: true, value: bytes("a") });
    expect(createDecoder("string")(bytes("héllo"))).toEqual({ ok: true, value: "héllo" });
    expect(createDecoder("string")(new Uint8Array([0xff, 0xfe]))).toMatchObject({ ok: false, reason: "not valid UTF-8" });
    expect(createDecoder("json")(bytes('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
    expect(createDecoder("json")(bytes("{oops"))).toMatchObject({ ok: false, reason: expect.stringContaining("malformed JSON") });
    expect(createDecoder("json")(null)).toEqual({ ok: true, value: null });
    const schema = z.object({ a: z.number() });
    expect(createDecoder("json", schema)(bytes('{"a":1,"b":2}'))).toEqual({ ok: true, value: { a: 1 } });
    expect(createDecoder("json", schema)(bytes('{"a":"x"}'))).toMatchObject({ ok: false, reason: expect.stringContaining("a:") });
  });
});

describe("assignment and state", () => {
  const all = [
    { topic: "b", partition: 0 },
    { topic: "a", partition: 1 },
    { topic: "a", partition: 0 },
  ];
  test("sorted round-robin over subtasks; every partition exactly once at any parallelism", () => {
    expect(assignPartitions(all, 0, 2)).toEqual([{ topic: "a", partition: 0 }, { topic: "b", partition: 0 }]);
    expect(assignPartitions(all, 1, 2)).toEqual([{ topic: "a", partition: 1 }]);
    for (const p of [1, 2, 3, 5]) {
      const owned = Array.from({ length: p }, (_, s) => assignPartitions(all, s, p)).flat();
      expect(owned.length).toBe(3);
      expect(new Set(owned.map((x) => `${x.topic}-${x.partition}`)).size).toBe(3);
    }
  });
  test("union of old subtasks' states; foreign state is refused", () => {
    const s0 = toState([{ topic: "a", partition: 0, offset: 5, stopOffset: null }]);
    const s1 = toState([{ topic: "a", partition: 1, offset: 7, stopOffset: 9 }]);
    const u = unionStates([structuredClone(s0), structuredClone(s1)]);
    expect([...u.values()]).toEqual([
      { topic: "a", partition: 0, offset: 5, stopOffset: null },
      { topic: "a", partition: 1, offset: 7, stopOffset: 9 },
    ]);
    expect(() => unionStates([{ layout: "interleaved", offsets: [] }])).toThrow(/not a Kafka offsets state/);
  });
});

describe("per-partition watermarks", () => {
  test("min over active partitions; idle and finished ones do not hold back", () => {
    let now = 0;
    const w = new PartitionWatermarks(10, 100, () => now);
    w.add("p0");
    w.add("p1");
    expect(w.current()).toBeNull();
    w.observe("p0", 1000);
    expect(w.current()).toBeNull(); // p1 has no data and is not idle yet
    w.observe("p1", 500);
    expect(w.current()).toBe(489);
    w.observe("p1", 2000);
    expect(w.current()).toBe(989);
    now = 150;
    w.observe("p1", 3000); // p0 silent for 150 ms > 100: idle
    expect(w.current()).toBe(2989);
    now = 300;
    expect(w.current()).toBe(2989); // all idle now: p1's watermark (it went idle last) once ...
    expect(w.current()).toBe("idle"); // ... then idle
    w.observe("p0", 1100);
    expect(w.current()).toBe(1089); // p0 active again (the task never emits a lower watermark)
    w.finish("p0");
    expect(w.current()).toBe("idle");
    expect(new PartitionWatermarks(0, 0).current()).toBe("idle");
    // Both time out between two polls: the one with data went idle last, its watermark is not skipped.
    let t = 0;
    const v = new PartitionWatermarks(0, 100, () => t);
    v.add("empty");
    t = 5;
    v.add("data");
    v.observe("data", 2900);
    t = 500;
    expect(v.current()).toBe(2899);
    expect(v.current()).toBe("idle");
  });
});
