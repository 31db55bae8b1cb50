/**
 * The Kafka client layer (src/connectors/kafka/client) against a real Apache Kafka broker: round trip,
 * offsets, read_committed (also an aborted transaction larger than one fetch), resuming a pre-committed
 * transaction from a new producer, fencing a zombie, and an unreachable broker failing within our bound.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  fenceAndAbort,
  KafkaAdmin,
  KafkaConnectorError,
  KafkaProducer,
  KafkaReader,
  KafkaTransactionalProducer,
  parseKafkaConnectionOptions,
  resumeAndCommit,
  transactionalIdFor,
  type KafkaConnectionOptions,
  type KafkaRecord,
  type PreparedTransaction,
  type TopicPartitionOffset,
} from "../../src/connectors/kafka/client/index.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";

let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;
const closers: (() => Promise<void>)[] = [];

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString("utf8"));

function reader(options: Parameters<typeof KafkaReader.create>[1] = {}): KafkaReader {
  const r = KafkaReader.create(connection, options);
  closers.push(() => r.close());
  return r;
}

/** Poll until every partition reached `ends` (its end offsets); returns the records and the number of non-empty polls. */
async function readUntil(r: KafkaReader, ends: readonly TopicPartitionOffset[], timeoutMs = 20_000): Promise<{ records: KafkaRecord[]; polls: number }> {
  const records: KafkaRecord[] = [];
  let polls = 0;
  const deadline = Date.now() + timeoutMs;
  const done = () => ends.every((e) => (r.currentPositions().find((p) => p.topic === e.topic && p.partition === e.partition)?.offset ?? -1) >= e.offset);
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`reader did not reach ${JSON.stringify(ends)}; at ${JSON.stringify(r.currentPositions())}`);
    const polled = await r.poll({ maxWaitMs: 200 });
    if (polled.length > 0) polls++;
    for (const p of polled) records.push(...p.records);
  }
  return { records, polls };
}

beforeAll(async () => {
  const broker = await kafkaBroker();
  connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "client-test", operationTimeoutMs: 30_000 });
  admin = KafkaAdmin.create(connection);
}, 240_000);

afterAll(async () => {
  for (const close of closers) await close();
  await admin?.close();
});

/**
 * The end offset of partition 0 once no transaction is open on it: the coordinator writes commit and
 * abort markers just after EndTxn returns, so the stable offset (read_committed) catches up with the
 * high watermark a moment later.
 */
async function settledEnd(topic: string): Promise<{ topic: string; partition: number; offset: number }> {
  const admin = KafkaAdmin.create(connection);
  try {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [stable] = await admin.listOffsets([{ topic, partition: 0 }], "latest", "read_committed");
      const [high] = await admin.listOffsets([{ topic, partition: 0 }], "latest", "read_uncommitted");
      if (stable!.offset === high!.offset || Date.now() > deadline) return stable!;
      await Bun.sleep(50);
    }
  } finally {
    await admin.close();
  }
}

describe("connection options", () => {
  test("bad options are a user error naming each key", () => {
    const error = (() => {
      try {
        parseKafkaConnectionOptions({ bootstrapServers: "localhost", clientId: "a b", requestTimeoutMs: -1 });
      } catch (e) {
        return e;
      }
    })() as KafkaConnectorError;
    expect(error).toBeInstanceOf(KafkaConnectorError);
    expect(error.domain).toBe("user");
    expect(error.code).toBe("KAFKA_CONFIG_INVALID");
    expect(error.message).toContain("bootstrapServers");
    expect(error.message).toContain("host:port");
    expect(error.message).toContain("clientId");
    expect(error.message).toContain("requestTimeoutMs");
    expect(() => parseKafkaConnectionOptions({ bootstrapServers: "a:1", extra: 1 })).toThrow(/extra/);
    expect(parseKafkaConnectionOptions({ bootstrapServers: " a:9092, b:9093 " }).bootstrapServers).toEqual(["a:9092", "b:9093"]);
  });

  test("transactionalIdFor", () => {
    expect(transactionalIdFor({ prefix: "p", operatorId: "op-1", subtask: 2 })).toBe("p-op-1-2");
    expect(transactionalIdFor({ prefix: "p", operatorId: "op-1", subtask: 2, slot: 5 })).toBe("p-op-1-2-5");
  });
});

describe("against a real broker", () => {
  test("produce and read back: keys, null values, headers, timestamps, partitions", async () => {
    const topic = unique("roundtrip");
    await admin.createTopic(topic, { partitions: 2 });
    await admin.createTopic(topic, { partitions: 2, ifNotExists: true });
    const producer = KafkaProducer.create(connection);
    closers.push(() => producer.close());
    void producer.send([
      { topic, partition: 0, key: "k0", value: "v0", timestampMs: 1_700_000_000_000, headers: [{ key: "h", value: "x" }] },
      { topic, partition: 1, key: null, value: null },
    ]);
    void producer.send([{ topic, partition: 0, key: new Uint8Array([1, 2, 3]), value: "v1" }]);
    await producer.flush();
    const r = reader();
    r.assign([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }]);
    const { records } = await readUntil(r, [{ topic, partition: 0, offset: 2 }, { topic, partition: 1, offset: 1 }]);
    const p0 = records.filter((x) => x.partition === 0);
    expect(p0.map((x) => [x.offset, text(x.value)])).toEqual([[0, "v0"], [1, "v1"]]);
    expect(text(p0[0]!.key)).toBe("k0");
    expect(p0[0]!.timestampMs).toBe(1_700_000_000_000);
    expect(p0[0]!.headers.map((h) => [h.key, text(h.value)])).toEqual([["h", "x"]]);
    expect([...p0[1]!.key!]).toEqual([1, 2, 3]);
    const p1 = records.filter((x) => x.partition === 1);
    expect(p1.map((x) => [x.offset, x.key, x.value])).toEqual([[0, null, null]]);
    // Nothing more: a poll waits at most its maxWaitMs and returns nothing.
    const started = Date.now();
    expect(await r.poll({ maxWaitMs: 300 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  }, 60_000);

  test("partitions, offsets (earliest, latest, timestamp) and group offsets", async () => {
    const topic = unique("offsets");
    await admin.createTopic(topic, { partitions: 3 });
    expect(await admin.listPartitions([topic])).toEqual([{ topic, partitions: [0, 1, 2] }]);
    const byPattern = await admin.listPartitionsMatching(new RegExp(`${topic.replace(/-/g, "\\-")}|nothing-else`));
    expect(byPattern).toEqual([{ topic, partitions: [0, 1, 2] }]);
    await expect(admin.listPartitions([unique("missing")])).rejects.toMatchObject({ domain: "user", message: expect.stringContaining("do not exist") });

    const producer = KafkaProducer.create(connection);
    closers.push(() => producer.close());
    await producer.send([1000, 2000, 3000].map((t, i) => ({ topic, partition: 0, value: `r${i}`, timestampMs: t })));
    const p0 = [{ topic, partition: 0 }];
    expect(await admin.listOffsets(p0, "earliest")).toEqual([{ topic, partition: 0, offset: 0 }]);
    expect(await admin.listOffsets(p0, "latest")).toEqual([{ topic, partition: 0, offset: 3 }]);
    expect(await admin.listOffsets(p0, { timestampMs: 1500 })).toEqual([{ topic, partition: 0, offset: 1 }]);
    expect(await admin.listOffsets(p0, { timestampMs: 9999 })).toEqual([{ topic, partition: 0, offset: 3 }]); // none that late: the end
    expect(await admin.listOffsets([{ topic, partition: 1 }], "latest")).toEqual([{ topic, partition: 1, offset: 0 }]);

    const group = unique("group");
    expect(await admin.fetchCommittedOffsets(group, p0)).toEqual([{ topic, partition: 0, offset: null }]);
    await admin.commitGroupOffsets(group, [{ topic, partition: 0, offset: 2 }]);
    expect(await admin.fetchCommittedOffsets(group, [...p0, { topic, partition: 1 }])).toEqual([
      { topic, partition: 0, offset: 2 },
      { topic, partition: 1, offset: null },
    ]);
  }, 60_000);

  test("read_committed hides an aborted transaction; read_uncommitted shows it", async () => {
    const topic = unique("aborted");
    await admin.createTopic(topic);
    const producer = KafkaTransactionalProducer.create(connection, { transactionalId: unique("txn-abort") });
    closers.push(() => producer.close());
    await producer.beginTransaction();
    await producer.send([{ topic, value: "aborted-1" }, { topic, value: "aborted-2" }]);
    await producer.abort();
    await producer.beginTransaction();
    await producer.send([{ topic, value: "committed" }]);
    await producer.commit();
    const end = await settledEnd(topic);
    expect(end.offset).toBe(5); // 2 aborted + abort marker + 1 committed + commit marker

    const committed = reader();
    committed.assign([{ topic, partition: 0, offset: 0 }]);
    const seen = await readUntil(committed, [end!]);
    expect(seen.records.map((x) => text(x.value))).toEqual(["committed"]);

    const uncommitted = reader({ isolationLevel: "read_uncommitted" });
    uncommitted.assign([{ topic, partition: 0, offset: 0 }]);
    const all = await readUntil(uncommitted, [end!]);
    expect(all.records.map((x) => text(x.value))).toEqual(["aborted-1", "aborted-2", "committed"]);
  }, 60_000);

  test("a large aborted transaction split across many fetch responses never reaches read_committed", async () => {
    const topic = unique("aborted-large");
    await admin.createTopic(topic);
    const producer = KafkaTransactionalProducer.create(connection, { transactionalId: unique("txn-large") });
    closers.push(() => producer.close());
    const payload = "x".repeat(1024);
    // Committed before, aborted (~2 MB in 20 batches), committed after: the aborted range spans many fetches.
    await producer.beginTransaction();
    await producer.send([{ topic, value: "before" }]);
    await producer.commit();
    await producer.beginTransaction();
    for (let batch = 0; batch < 20; batch++) {
      void producer.send(Array.from({ length: 100 }, (_, i) => ({ topic, key: `a${batch}-${i}`, value: `aborted-${payload}` })));
    }
    await producer.flush();
    await producer.abort();
    await producer.beginTransaction();
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ topic, value: `after-${i}` })));
    await producer.commit();
    const end = await settledEnd(topic);

    // ~100 KB per batch and 64 KiB per partition per fetch: each response holds about one batch.
    const r = reader({ partitionMaxBytes: 64 * 1024 });
    r.assign([{ topic, partition: 0, offset: 0 }]);
    const { records, polls } = await readUntil(r, [end!], 60_000);
    expect(polls).toBeGreaterThan(10);
    expect(records.map((x) => text(x.value))).toEqual(["before", ...Array.from({ length: 10 }, (_, i) => `after-${i}`)]);

    // Starting in the middle of the aborted transaction (its first batch not in any response) hides it too.
    const middle = reader({ partitionMaxBytes: 64 * 1024 });
    middle.assign([{ topic, partition: 0, offset: 1000 }]);
    const fromMiddle = await readUntil(middle, [end!], 60_000);
    expect(fromMiddle.records.map((x) => text(x.value))).toEqual(Array.from({ length: 10 }, (_, i) => `after-${i}`));
  }, 120_000);

  test("pre-commit, crash, resumeAndCommit from a new process state: visible exactly once; committing twice is harmless", async () => {
    const topic = unique("resume");
    await admin.createTopic(topic);
    const transactionalId = transactionalIdFor({ prefix: unique("sink"), operatorId: "op-1", subtask: 0 });
    const crashed = KafkaTransactionalProducer.create(connection, { transactionalId });
    await crashed.beginTransaction();
    await crashed.send(Array.from({ length: 5 }, (_, i) => ({ topic, key: `k${i}`, value: `v${i}` })));
    const stored = JSON.parse(JSON.stringify(await crashed.preCommit())) as PreparedTransaction; // as a checkpoint stores it
    await crashed.close(); // "crash": dropped without commit or abort

    // Not visible yet: the open transaction holds the last stable offset at 0.
    const r = reader();
    r.assign([{ topic, partition: 0, offset: 0 }]);
    expect(await r.poll({ maxWaitMs: 300 })).toEqual([]);
    expect((await admin.listOffsets([{ topic, partition: 0 }], "latest"))[0]!.offset).toBe(0);

    expect(await resumeAndCommit(connection, stored)).toEqual({ status: "committed" });
    expect(await resumeAndCommit(connection, stored)).toEqual({ status: "committed" }); // the broker answers NONE again

    const [end] = await admin.listOffsets([{ topic, partition: 0 }], "latest");
    expect(end!.offset).toBe(6); // 5 records + commit marker
    const { records } = await readUntil(r, [end!]);
    expect(records.map((x) => text(x.value))).toEqual(["v0", "v1", "v2", "v3", "v4"]);

    // A new producer for the same id starts a new session (fences the old one); the old epoch can no longer commit.
    const next = KafkaTransactionalProducer.create(connection, { transactionalId });
    closers.push(() => next.close());
    await next.beginTransaction();
    await next.send([{ topic, value: "next" }]);
    await next.commit();
    expect(next.identity!.epoch).toBeGreaterThan(stored.epoch);
    expect(await resumeAndCommit(connection, stored)).toEqual({ status: "not-pending", brokerError: "PRODUCER_FENCED" });
    const end2 = await settledEnd(topic);
    const more = await readUntil(r, [end2!]);
    expect(more.records.map((x) => text(x.value))).toEqual(["next"]);
  }, 60_000);

  test("fenceAndAbort aborts a zombie's open transaction and fences it", async () => {
    const topic = unique("fence");
    await admin.createTopic(topic);
    const transactionalId = unique("zombie");
    const zombie = KafkaTransactionalProducer.create(connection, { transactionalId });
    closers.push(() => zombie.close());
    await zombie.beginTransaction();
    await zombie.send([{ topic, value: "zombie-1" }, { topic, value: "zombie-2" }]);
    const before = zombie.identity!;

    const fenced = await fenceAndAbort(connection, transactionalId);
    expect(fenced.producerId).toBe(before.producerId);
    expect(fenced.epoch).toBeGreaterThan(before.epoch);

    // The zombie's data is aborted: the last stable offset moves past it and read_committed sees nothing.
    const [end] = await admin.listOffsets([{ topic, partition: 0 }], "latest");
    expect(end!.offset).toBe(3); // 2 records + abort marker
    const r = reader();
    r.assign([{ topic, partition: 0, offset: 0 }]);
    expect((await readUntil(r, [end!])).records).toEqual([]);

    // The zombie can no longer commit.
    const error = await zombie.commit().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaConnectorError);
    expect((error as KafkaConnectorError).code).toBe("KAFKA_PRODUCER_FENCED");
    expect(zombie.currentState).toBe("failed");
  }, 60_000);

  test("an unreachable bootstrap fails within our timeout, naming the address and the operation", async () => {
    const dead = { bootstrapServers: "127.0.0.1:1", operationTimeoutMs: 2_000, connectTimeoutMs: 500, requestTimeoutMs: 1_000 };
    const checks: [string, () => Promise<unknown>][] = [
      ["listTopics", () => KafkaAdmin.create(dead).listTopics()],
      ["beginTransaction", () => KafkaTransactionalProducer.create(dead, { transactionalId: "t" }).beginTransaction()],
      ["send", () => KafkaProducer.create(dead).send([{ topic: "t", value: "v" }])],
      ["resumeAndCommit", () => resumeAndCommit(dead, { transactionalId: "t", producerId: 1, epoch: 0 })],
      ["fenceAndAbort", () => fenceAndAbort(dead, "t")],
      ["fetch", () => {
        const r = KafkaReader.create(dead);
        r.assign([{ topic: "t", partition: 0, offset: 0 }]);
        return r.poll({ maxWaitMs: 100 }).finally(() => r.close());
      }],
    ];
    for (const [operation, run] of checks) {
      const started = Date.now();
      const error = await run().then(() => null, (e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(KafkaConnectorError);
      const e = error as KafkaConnectorError;
      expect(e.domain).toBe("external");
      expect(e.retriable).toBe(true);
      expect(e.message).toContain("127.0.0.1:1");
      expect(e.message).toContain(operation);
      expect(elapsed).toBeLessThan(3_500);
    }
  }, 60_000);
});

describe("producer flush", () => {
  test("flush waits for sends still queued behind the in-flight one", async () => {
    const broker = await kafkaBroker();
    const conn = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "flush-test" });
    const admin = KafkaAdmin.create(conn);
    const topic = `flush-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await admin.createTopic(topic);
    const producer = KafkaProducer.create(conn); // idempotent: one send in flight at a time
    try {
      for (let i = 0; i < 20; i++) void producer.send([{ topic, value: `r${i}` }]);
      await producer.flush();
      const [end] = await admin.listOffsets([{ topic, partition: 0 }], "latest");
      expect(end!.offset).toBe(20);
    } finally {
      await producer.close();
      await admin.close();
    }
  }, 60_000);
});
