/**
 * The Kafka sink (src/connectors/kafka/sink) against a real broker through the local runtime:
 * exactly-once output under failures injected (a) during processing, (b) after pre-commit before the
 * checkpoint completes, (c) after the checkpoint completed before the commit, (d) during the commit;
 * at-least-once without loss; dedup of the replay; zombie fencing; bad configuration.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  KafkaAdmin,
  KafkaConnectorError,
  KafkaReader,
  KafkaTransactionalProducer,
  parseKafkaConnectionOptions,
  transactionalIdFor,
  type IsolationLevel,
  type KafkaConnectionOptions,
} from "../../src/connectors/kafka/client/index.ts";
import type { KafkaDeliveryGuarantee, KafkaSinkTestHooks } from "../../src/connectors/index.ts";
import { StreamEnvironment } from "../../src/index.ts";
import { executeLocally, type JobExecutionResult, type LocalExecutionOptions } from "../../src/runtime/index.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";
import { expectNoOpenTransactions as expectNoOpenTransactionsIn, keyAndCount, readTopic } from "../support/kafka-topics.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-kafka-sink-"));
let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const broker = await kafkaBroker();
  connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "sink-test", operationTimeoutMs: 30_000 });
  admin = KafkaAdmin.create(connection);
}, 240_000);

afterAll(async () => {
  await admin?.close();
  rmSync(root, { recursive: true, force: true });
});

const EVENTS = 3_000;
const KEYS = 11;
const CHECKPOINT_MS = 100;

interface Count {
  key: number;
  n: number;
}

/** Every (key, running count) exactly once: the independent computation. */
function expected(): string[] {
  const counts = new Map<number, number>();
  const out: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const k = i % KEYS;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    out.push(`${k}:${counts.get(k)}`);
  }
  return out.sort();
}

interface JobSpec {
  topic: string;
  prefix: string;
  delivery: KafkaDeliveryGuarantee;
  failAt?: number;
  dedup?: boolean;
  testHooks?: KafkaSinkTestHooks;
}

/** generator -> (throwing map) -> keyBy -> running count -> sinkToKafka. */
function run(spec: JobSpec, extra: Partial<LocalExecutionOptions> = {}): Promise<JobExecutionResult> {
  const env = StreamEnvironment.create({ parallelism: 2, checkpointInterval: CHECKPOINT_MS });
  let seen = 0;
  let failed = false;
  env
    .fromGenerator(EVENTS, (i) => ({ key: i % KEYS, n: 1 }), { batchSize: 50, ratePerSecond: 2_000 })
    .map((e) => {
      if (spec.failAt !== undefined && !failed && ++seen === spec.failAt) {
        failed = true;
        throw new Error("injected failure during processing");
      }
      return e;
    })
    .keyBy((e) => e.key)
    .reduce((a, b): Count => ({ key: a.key, n: a.n + b.n }))
    .sinkToKafka({
      connection,
      topic: spec.topic,
      delivery: spec.delivery,
      transactionalIdPrefix: spec.prefix,
      transactionTimeoutMs: 60_000,
      key: (c) => c.key,
      uid: "kafka-out",
      ...(spec.dedup === true ? { dedup: true } : {}),
      ...(spec.testHooks === undefined ? {} : { testHooks: spec.testHooks }),
    });
  return executeLocally(env.getJobDefinition(spec.prefix), {
    checkpointInterval: CHECKPOINT_MS,
    checkpointDir: join(root, spec.prefix),
    restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 10 },
    ...extra,
  });
}

/** Every record of `topic` up to its end (LSO for read_committed), as "key:n". */
const readAll = (topic: string, isolation: "read_committed" | "read_uncommitted" = "read_committed") => readTopic(admin, connection, topic, keyAndCount, isolation);

const expectNoOpenTransactions = (topic: string) => expectNoOpenTransactionsIn(admin, topic);

async function newTopic(name: string): Promise<string> {
  const topic = unique(name);
  await admin.createTopic(topic, { partitions: 3 });
  return topic;
}

describe("exactly-once Kafka sink, end to end", () => {
  test("no failure: every running count exactly once, nothing left open", async () => {
    const topic = await newTopic("eo-clean");
    const result = await run({ topic, prefix: unique("eo-clean"), delivery: "exactly-once" });
    expect(result.checkpoints.counts.completed).toBeGreaterThan(0);
    await expectNoOpenTransactions(topic);
    expect(await readAll(topic)).toEqual(expected());
  }, 60_000);

  test("(a) failure during processing", async () => {
    const topic = await newTopic("eo-a");
    const result = await run({ topic, prefix: unique("eo-a"), delivery: "exactly-once", failAt: 1_700 });
    expect(result.restarts).toBe(1);
    await expectNoOpenTransactions(topic);
    expect(await readAll(topic)).toEqual(expected());
  }, 60_000);

  test("(b) failure after pre-commit, before the checkpoint completes", async () => {
    const topic = await newTopic("eo-b");
    let injected = 0;
    const result = await run(
      { topic, prefix: unique("eo-b"), delivery: "exactly-once" },
      {
        // The sink's task (reduce -> sink chain; the other is source -> map) has run snapshotState
        // (pre-commit) when its snapshot is about to be written; failing here declines the checkpoint.
        beforeSnapshotWrite: (taskId, checkpointId) => {
          if (injected === 0 && checkpointId >= 3 && !taskId.startsWith("source")) {
            injected = checkpointId;
            throw new Error(`injected failure before the snapshot of ${taskId} for checkpoint ${checkpointId} is written`);
          }
        },
      },
    );
    expect(injected).toBeGreaterThan(0);
    expect(result.restarts).toBe(1);
    await expectNoOpenTransactions(topic);
    expect(await readAll(topic)).toEqual(expected());
  }, 60_000);

  test("(c) crash after the checkpoint completed, before the commit: the restored job resumes and commits", async () => {
    const topic = await newTopic("eo-c");
    let thrown = 0;
    const result = await run({
      topic,
      prefix: unique("eo-c"),
      delivery: "exactly-once",
      testHooks: {
        commit: (phase, txn) => {
          if (phase === "before" && thrown === 0 && txn.records > 0) {
            thrown++;
            throw new Error(`injected crash before committing ${txn.transactionalId}`);
          }
        },
      },
    });
    expect(thrown).toBe(1);
    expect(result.restarts).toBe(1);
    await expectNoOpenTransactions(topic);
    expect(await readAll(topic)).toEqual(expected());
  }, 60_000);

  test("(d) failure during the commit (committed, answer lost): no duplicate", async () => {
    const topic = await newTopic("eo-d");
    let thrown = 0;
    const result = await run({
      topic,
      prefix: unique("eo-d"),
      delivery: "exactly-once",
      testHooks: {
        commit: (phase, txn) => {
          if (phase === "after" && thrown === 0 && txn.records > 0) {
            thrown++;
            throw new Error(`injected failure after the commit of ${txn.transactionalId} reached the broker`);
          }
        },
      },
    });
    expect(thrown).toBe(1);
    expect(result.restarts).toBe(1);
    await expectNoOpenTransactions(topic);
    expect(await readAll(topic)).toEqual(expected());
  }, 60_000);

  test("zombie fencing: open transactions of this subtask's ids do not block or leak", async () => {
    const topic = await newTopic("eo-zombie");
    const prefix = unique("eo-zombie");
    const zombies: KafkaTransactionalProducer[] = [];
    // An earlier (crashed) run left transactions open in slots 0 and 1 of both subtasks.
    for (const subtask of [0, 1]) {
      for (const slot of [0, 1]) {
        const z = KafkaTransactionalProducer.create(connection, { transactionalId: transactionalIdFor({ prefix, operatorId: "kafka-out", subtask, slot }), transactionTimeoutMs: 600_000 });
        await z.beginTransaction();
        await z.send([{ topic, partition: 0, key: "99", value: JSON.stringify({ key: 99, n: -1 }) }]);
        zombies.push(z);
      }
    }
    const [before] = await admin.listOffsets([{ topic, partition: 0 }], "latest", "read_committed");
    expect(before!.offset).toBe(0); // the zombies hold the LSO
    try {
      await run({ topic, prefix, delivery: "exactly-once" });
      await expectNoOpenTransactions(topic);
      const out = await readAll(topic);
      expect(out).toEqual(expected());
      expect(out.some((r) => r.startsWith("99:"))).toBe(false);
      // The zombies are fenced: their commit fails.
      await expect(zombies[0]!.commit()).rejects.toThrow(KafkaConnectorError);
    } finally {
      for (const z of zombies) await z.close();
    }
  }, 60_000);
});

describe("at-least-once Kafka sink", () => {
  test("no loss under a failure (duplicates allowed)", async () => {
    const topic = await newTopic("alo");
    const result = await run({ topic, prefix: unique("alo"), delivery: "at-least-once", failAt: 1_700 });
    expect(result.restarts).toBe(1);
    const out = await readAll(topic, "read_uncommitted");
    expect(new Set(out)).toEqual(new Set(expected()));
    expect(out.length).toBeGreaterThanOrEqual(EVENTS);
  }, 60_000);

  test("dedup (idempotent writes): the replay after a restore writes no duplicate", async () => {
    const topic = await newTopic("dedup");
    const result = await run({ topic, prefix: unique("dedup"), delivery: "at-least-once", dedup: true, failAt: 1_700 });
    expect(result.restarts).toBe(1);
    expect(await readAll(topic, "read_uncommitted")).toEqual(expected());
  }, 60_000);

  test("delivery none writes everything when nothing fails (client retries may duplicate)", async () => {
    const topic = await newTopic("none");
    await run({ topic, prefix: unique("none"), delivery: "none" });
    const out = await readAll(topic, "read_uncommitted");
    expect(new Set(out)).toEqual(new Set(expected()));
  }, 60_000);
});

describe("bad configuration", () => {
  test("a transaction timeout too small for exactly-once is a clear error", () => {
    const env = StreamEnvironment.create({ checkpointInterval: 60_000 });
    const stream = env.fromElements([1]);
    const sink = (transactionTimeoutMs: number) => () => stream.sinkToKafka({ connection: { bootstrapServers: "127.0.0.1:9092" }, topic: "t", delivery: "exactly-once", transactionTimeoutMs });
    expect(sink(10_000)).toThrow(/transactionTimeoutMs 10000 is too small.*at least 120000 ms/);
    expect(sink(100_000)).toThrow(/twice the checkpoint interval 60000 ms/);
    expect(sink(120_000)).not.toThrow();
    expect(() => stream.sinkToKafka({ connection: { bootstrapServers: "127.0.0.1:9092" }, topic: "", delivery: "exactly-once" })).toThrow(/topic/);
  });

  test("an unreachable broker fails the job with an error naming the address", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = server.port;
    server.stop(true);
    for (const delivery of ["exactly-once", "at-least-once"] as const) {
      const env = StreamEnvironment.create();
      env.fromElements([1, 2, 3]).sinkToKafka({ connection: { bootstrapServers: `127.0.0.1:${port}`, connectTimeoutMs: 500, requestTimeoutMs: 1_000, operationTimeoutMs: 3_000 }, topic: "t", delivery });
      const error = await executeLocally(env.getJobDefinition(unique("unreachable"))).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message) + String((error as Error).cause)).toContain(`127.0.0.1:${port}`);
    }
  }, 30_000);
});
