/**
 * The Kafka source (`env.fromKafka`) against a real Apache Kafka broker: parallel reading of every
 * partition, offsets restored from checkpoints after a failure (exactly-once counts), per-partition
 * watermarks and idleness, read_committed, bad-record policies, an unreachable broker, start positions.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { StreamEnvironment, TumblingEventTimeWindows, boundedOutOfOrderness, valueState, type ValueState } from "../../src/index.ts";
import { KafkaAdmin, KafkaProducer, KafkaReader, KafkaTransactionalProducer, parseKafkaConnectionOptions, type KafkaConnectionOptions, type KafkaOutputRecord, type KafkaRecord } from "../../src/connectors/kafka/client/index.ts";
import { executeLocally, type JobExecutionResult, type LocalExecutionOptions, type RunningJob } from "../../src/runtime/index.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";

let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const root = mkdtempSync(join(tmpdir(), "bicycle-kafka-source-"));
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("utf8"));

beforeAll(async () => {
  const broker = await kafkaBroker();
  connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "source-test" });
  admin = KafkaAdmin.create(connection);
  producer = KafkaProducer.create(connection);
}, 240_000);

afterAll(async () => {
  await producer?.close();
  await admin?.close();
  rmSync(root, { recursive: true, force: true });
});

async function topicWith(name: string, partitions: number, records: readonly Omit<KafkaOutputRecord, "topic">[] = []): Promise<string> {
  const topic = unique(name);
  await admin.createTopic(topic, { partitions });
  if (records.length > 0) await send(topic, records);
  return topic;
}

async function send(topic: string, records: readonly Omit<KafkaOutputRecord, "topic">[]): Promise<void> {
  // Awaited one by one: KafkaProducer.flush does not wait for sends still queued for an in-flight slot.
  for (let i = 0; i < records.length; i += 500) await producer.send(records.slice(i, i + 500).map((r) => ({ ...r, topic })));
}

/** Start an (unbounded) job; returns its handle once running and the result promise. */
async function start(env: StreamEnvironment, name: string, options: LocalExecutionOptions = {}): Promise<{ job: RunningJob; result: Promise<JobExecutionResult> }> {
  let started!: (job: RunningJob) => void;
  const running = new Promise<RunningJob>((r) => (started = r));
  const result = executeLocally(env.getJobDefinition(name), { ...options, onStart: started });
  result.catch(() => {});
  return { job: await running, result };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

const conn = () => ({ bootstrapServers: connection.bootstrapServers, clientId: "source-test" });

describe("reading", () => {
  test("N records across 3 partitions at parallelism 2: exactly the produced records", async () => {
    const N = 3000;
    const topic = await topicWith("read", 3, Array.from({ length: N }, (_, i) => ({ partition: i % 3, value: JSON.stringify({ i }) })));
    const env = StreamEnvironment.create({ parallelism: 2 });
    const schema = z.object({ i: z.number() });
    const stream = env.fromKafka({ connection: conn(), topics: [topic], format: "json", schema, bounded: true, batchSize: 100 });
    const out = stream.map((r) => r.i).collect(); // r is typed { i: number } by the schema
    const result = await executeLocally(env.getJobDefinition("kafka-read"));
    expect(out.values.length).toBe(N);
    expect([...out.values].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    const source = Object.values(result.operators).find((o) => o.name === "KafkaSource")!;
    expect(source.parallelism).toBe(2);
    expect(source.counters.kafkaRecordsRead).toBe(N);
  }, 60_000);

  test("withMetadata: key, value, topic, partition, offset, timestamp, headers", async () => {
    const topic = await topicWith("meta", 1, [{ key: "k1", value: "v1", timestampMs: 1_700_000_000_000, headers: [{ key: "h", value: "x" }] }]);
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromKafka({ connection: conn(), topics: [topic], format: "string", keyFormat: "string", withMetadata: true, bounded: true }).collect();
    await executeLocally(env.getJobDefinition("kafka-meta"));
    expect(out.values.length).toBe(1);
    const m = out.values[0]!;
    expect([m.key, m.value, m.topic, m.partition, m.offset, m.timestamp]).toEqual(["k1", "v1", topic, 0, 0, 1_700_000_000_000]);
    expect(m.headers.map((h) => [h.key, text(h.value)])).toEqual([["h", "x"]]);
  }, 60_000);
});

describe("checkpoints", () => {
  test("offsets are restored after a failure: keyed counts exactly as produced (parallelism 2 -> state restored)", async () => {
    const N = 20_000;
    const KEYS = 13;
    const topic = await topicWith("restore", 3, Array.from({ length: N }, (_, i) => ({ partition: i % 3, value: String(i % KEYS) })));
    const env = StreamEnvironment.create({ parallelism: 2 });
    let seen = 0;
    let failed = false;
    const totals = env
      .fromKafka({ connection: conn(), topics: [topic], format: "string", bounded: true, batchSize: 50 })
      .map((k) => {
        seen++;
        if (seen % 100 === 0) Bun.sleepSync(3); // ~1.2 s over the whole input: checkpoints happen in between
        if (!failed && seen === 12_000) {
          failed = true;
          throw new Error("injected failure at record 12000");
        }
        return Number(k);
      })
      .keyBy((k) => k)
      .process<[number, number]>({
        open(ctx) {
          (this as unknown as { n: ValueState<number> }).n = ctx.getState(valueState<number>("n", 0));
        },
        processElement(_k, ctx) {
          const n = (this as unknown as { n: ValueState<number> }).n;
          n.update(n.value()! + 1);
          ctx.timerService.registerEventTimeTimer(Number.MAX_SAFE_INTEGER);
        },
        onTimer(_ts, ctx, out) {
          out.collect([ctx.key as number, (this as unknown as { n: ValueState<number> }).n.value()!]);
        },
      })
      .collect();
    const result = await executeLocally(env.getJobDefinition("kafka-restore"), {
      checkpointInterval: 50,
      checkpointDir: join(root, "chk-restore"),
      restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 20 },
    });
    expect(result.restarts).toBe(1);
    expect(result.checkpoints.counts.completed).toBeGreaterThan(0);
    expect(seen).toBeGreaterThan(N); // some records were replayed after the restore ...
    const expected = new Map<number, number>();
    for (let i = 0; i < N; i++) expected.set(i % KEYS, (expected.get(i % KEYS) ?? 0) + 1);
    expect(new Map(totals.values)).toEqual(expected); // ... but each counted exactly once
    expect(totals.values.length).toBe(KEYS);
  }, 60_000);
});

describe("per-partition watermarks", () => {
  test("a lagging partition holds windows back until it passes", async () => {
    const topic = await topicWith("lag", 2);
    await send(topic, Array.from({ length: 50 }, (_, i) => ({ partition: 0, value: "fast", timestampMs: 100 * i }))); // p0 up to 4900
    await send(topic, [{ partition: 1, value: "slow", timestampMs: 200 }]); // p1 at 200
    const env = StreamEnvironment.create({ parallelism: 1 });
    const windows = env
      .fromKafka({ connection: conn(), topics: [topic], format: "string", watermarks: boundedOutOfOrderness(0) })
      .keyBy(() => 0)
      .window(TumblingEventTimeWindows.of(1000))
      .count()
      .collect();
    const { job, result } = await start(env, "kafka-lag");
    try {
      const source = () => Object.values(job.metrics()).find((o) => o.name === "KafkaSource")!;
      await until("both partitions read", () => (source().counters.kafkaRecordsRead ?? 0) === 51);
      await Bun.sleep(500);
      expect(windows.values).toEqual([]); // watermark = min(4900, 200) - 1: nothing fires
      await send(topic, [{ partition: 1, value: "slow", timestampMs: 2500 }]); // p1 passes 2000
      await until("windows [0,1000) and [1000,2000) fire", () => windows.values.length >= 2);
      await Bun.sleep(300);
      expect(windows.values.map((w) => [w.window.start, w.value])).toEqual([[0, 11], [1000, 10]]);
    } finally {
      job.cancel();
      await result.catch(() => {});
    }
  }, 60_000);

  test("an idle partition (no data) does not block after idleTimeoutMs", async () => {
    const topic = await topicWith("idle", 2, Array.from({ length: 30 }, (_, i) => ({ partition: 0, value: "x", timestampMs: 100 * i }))); // p1 empty
    const env = StreamEnvironment.create({ parallelism: 1 });
    const windows = env
      .fromKafka({ connection: conn(), topics: [topic], format: "string", watermarks: boundedOutOfOrderness(0), idleTimeoutMs: 300 })
      .keyBy(() => 0)
      .window(TumblingEventTimeWindows.of(1000))
      .count()
      .collect();
    const started = Date.now();
    const { job, result } = await start(env, "kafka-idle");
    try {
      await until("windows fire once p1 is idle", () => windows.values.length >= 2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(windows.values.map((w) => [w.window.start, w.value])).toEqual([[0, 10], [1000, 10]]); // wm 2899: [2000,3000) still open
    } finally {
      job.cancel();
      await result.catch(() => {});
    }
  }, 60_000);
});

describe("transactions", () => {
  test("read_committed hides aborted data; read_uncommitted shows it", async () => {
    const topic = await topicWith("txn", 1);
    const txn = KafkaTransactionalProducer.create(connection, { transactionalId: unique("src-txn") });
    try {
      await txn.beginTransaction();
      await txn.send([{ topic, value: "aborted-1" }, { topic, value: "aborted-2" }]);
      await txn.abort();
      await txn.beginTransaction();
      await txn.send([{ topic, value: "committed" }]);
      await txn.commit();
    } finally {
      await txn.close();
    }
    const read = async (isolationLevel: "read_committed" | "read_uncommitted") => {
      const env = StreamEnvironment.create({ parallelism: 1 });
      const out = env.fromKafka({ connection: conn(), topics: [topic], format: "string", bounded: true, isolationLevel }).collect();
      await executeLocally(env.getJobDefinition(`kafka-${isolationLevel}`));
      return out.values;
    };
    expect(await read("read_committed")).toEqual(["committed"]);
    expect(await read("read_uncommitted")).toEqual(["aborted-1", "aborted-2", "committed"]);
  }, 60_000);
});

describe("bad records", () => {
  const input = ['{"n":1}', "{oops", '{"n":3}'];
  const job = (topic: string, onBadRecord: "fail" | "skip" | { deadLetterTopic: string }) => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromKafka<{ n: number }>({ connection: conn(), topics: [topic], format: "json", bounded: true, onBadRecord }).collect();
    return { env, out };
  };

  test("fail: the job fails naming topic, partition and offset (not restarted)", async () => {
    const topic = await topicWith("bad-fail", 1, input.map((value) => ({ value })));
    const { env } = job(topic, "fail");
    const error = await executeLocally(env.getJobDefinition("kafka-bad-fail"), { restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 10 } }).then(() => null, (e: unknown) => e as Error);
    expect(error).not.toBeNull();
    expect(error!.message).toContain(`${topic}/0@1`);
    expect(error!.message).toContain("malformed JSON");
  }, 60_000);

  test("skip: dropped and counted", async () => {
    const topic = await topicWith("bad-skip", 1, input.map((value) => ({ value })));
    const { env, out } = job(topic, "skip");
    const result = await executeLocally(env.getJobDefinition("kafka-bad-skip"));
    expect(out.values).toEqual([{ n: 1 }, { n: 3 }]);
    const source = Object.values(result.operators).find((o) => o.name === "KafkaSource")!;
    expect(source.counters.kafkaBadRecordsSkipped).toBe(1);
    expect(source.counters.kafkaRecordsRead).toBe(3);
  }, 60_000);

  test("dead letter: the DLQ topic holds the bad bytes with headers naming the error and origin", async () => {
    const topic = await topicWith("bad-dlq", 1, input.map((value) => ({ value })));
    const dlq = await topicWith("dlq", 1);
    const { env, out } = job(topic, { deadLetterTopic: dlq });
    const result = await executeLocally(env.getJobDefinition("kafka-bad-dlq"));
    expect(out.values).toEqual([{ n: 1 }, { n: 3 }]);
    expect(Object.values(result.operators).find((o) => o.name === "KafkaSource")!.counters.kafkaBadRecordsDeadLettered).toBe(1);
    const reader = KafkaReader.create(connection);
    try {
      reader.assign([{ topic: dlq, partition: 0, offset: 0 }]);
      const records: KafkaRecord[] = [];
      const deadline = Date.now() + 10_000;
      while (records.length === 0 && Date.now() < deadline) for (const p of await reader.poll({ maxWaitMs: 200 })) records.push(...p.records);
      expect(records.map((r) => text(r.value))).toEqual(["{oops"]);
      const headers = Object.fromEntries(records[0]!.headers.map((h) => [h.key, text(h.value)]));
      expect(headers["bicycle.source.topic"]).toBe(topic);
      expect(headers["bicycle.source.partition"]).toBe("0");
      expect(headers["bicycle.source.offset"]).toBe("1");
      expect(headers["bicycle.error"]).toContain("malformed JSON");
    } finally {
      await reader.close();
    }
  }, 60_000);
});

describe("unreachable broker", () => {
  test("a clear error naming the address, quickly; the restart strategy applies", async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    env.fromKafka({ connection: { bootstrapServers: "127.0.0.1:1", operationTimeoutMs: 1_000, connectTimeoutMs: 300, requestTimeoutMs: 500 }, topics: ["t"] }).collect();
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write;
    const started = Date.now();
    let error: Error | null;
    try {
      error = await executeLocally(env.getJobDefinition("kafka-dead"), { restartStrategy: { type: "fixed-delay", attempts: 2, delayMs: 10 } }).then(() => null, (e: unknown) => e as Error);
    } finally {
      process.stderr.write = write;
    }
    expect(error).not.toBeNull();
    expect(error!.message).toContain("127.0.0.1:1");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lines.filter((l) => l.includes("kafka-dead") && l.includes("restart")).length).toBe(2);
  }, 60_000);
});

describe("start positions", () => {
  const read = async (topic: string, startFrom: Parameters<StreamEnvironment["fromKafka"]>[0]["startFrom"]) => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromKafka({ connection: conn(), topics: [topic], format: "string", bounded: true, ...(startFrom === undefined ? {} : { startFrom }) }).collect();
    await executeLocally(env.getJobDefinition("kafka-start"));
    return [...out.values].sort();
  };

  test("timestamp: from the first record at or after it", async () => {
    const topic = await topicWith("start-ts", 1, [1000, 2000, 3000].map((t) => ({ value: `t${t}`, timestampMs: t })));
    expect(await read(topic, { timestampMs: 2000 })).toEqual(["t2000", "t3000"]);
    expect(await read(topic, { timestampMs: 1500 })).toEqual(["t2000", "t3000"]);
  }, 60_000);

  test("committed offsets, with the fallback for partitions the group never committed", async () => {
    const topic = await topicWith("start-group", 2, ["a0", "a1", "a2"].map((value) => ({ partition: 0, value })).concat(["b0", "b1"].map((value) => ({ partition: 1, value }))));
    const group = unique("group");
    await admin.commitGroupOffsets(group, [{ topic, partition: 0, offset: 2 }]);
    expect(await read(topic, { committedOffsets: group, fallback: "earliest" })).toEqual(["a2", "b0", "b1"]);
    expect(await read(topic, { committedOffsets: group, fallback: "latest" })).toEqual(["a2"]);
  }, 60_000);

  test("latest: only records produced after the start", async () => {
    const topic = await topicWith("start-latest", 1, [{ value: "old-1" }, { value: "old-2" }]);
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromKafka({ connection: conn(), topics: [topic], format: "string", startFrom: "latest" }).collect();
    const { job, result } = await start(env, "kafka-latest");
    try {
      let n = 0;
      // The source positions itself at open; keep producing until new records show up.
      await until("new records", () => {
        if (out.values.length === 0) void producer.send([{ topic, value: `new-${n++}` }]);
        return out.values.length > 0;
      });
      expect(out.values.every((v) => v.startsWith("new-"))).toBe(true);
    } finally {
      job.cancel();
      await result.catch(() => {});
    }
  }, 60_000);

  test("commitOffsetsToGroup commits the checkpointed offsets (monitoring)", async () => {
    const topic = await topicWith("commit-group", 1, Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })));
    const group = unique("monitor");
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromKafka({ connection: conn(), topics: [topic], format: "string", commitOffsetsToGroup: group }).collect();
    const { job, result } = await start(env, "kafka-commit", { checkpointInterval: 50, checkpointDir: join(root, "chk-commit") });
    try {
      await until("all read", () => out.values.length === 10);
      let committed: number | null = null;
      const deadline = Date.now() + 10_000;
      while (committed !== 10 && Date.now() < deadline) {
        committed = (await admin.fetchCommittedOffsets(group, [{ topic, partition: 0 }]))[0]!.offset;
        await Bun.sleep(100);
      }
      expect(committed).toBe(10);
    } finally {
      job.cancel();
      await result.catch(() => {});
    }
  }, 60_000);
});
