/**
 * A restart of the (shared, real) Kafka broker while an exactly-once job runs: Kafka source (bounded)
 * -> keyBy -> running count -> exactly-once Kafka sink, checkpoints every 200 ms, a fixed-delay restart
 * strategy. The broker is stopped (SIGTERM) and started again mid-job; the job fails over (its tasks
 * cannot reach the broker), restores its latest checkpoint once the broker is back and finishes; the
 * output topic read with read_committed holds every running count exactly once. The broker is left
 * running for the test files after this one (restarted here if anything went wrong).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaAdmin, KafkaProducer, KafkaReader, parseKafkaConnectionOptions, type KafkaConnectionOptions } from "../../src/connectors/kafka/client/index.ts";
import { StreamEnvironment } from "../../src/index.ts";
import { executeLocally, type JobExecutionResult, type RunningJob } from "../../src/runtime/index.ts";
import { describeBrokerForFailure, kafkaBroker, type KafkaBroker } from "../support/kafka-broker.ts";
import { expectNoOpenTransactions as expectNoOpenTransactionsIn, readTopic } from "../support/kafka-topics.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-kafka-restart-"));
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
let broker: KafkaBroker;
let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;

beforeAll(async () => {
  broker = await kafkaBroker();
  connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "restart-test", operationTimeoutMs: 30_000 });
  admin = KafkaAdmin.create(connection);
}, 240_000);

afterAll(async () => {
  await admin?.close();
  // Later test files share this broker: it must serve clients again whatever happened here.
  if (broker !== undefined && !broker.isRunning()) await broker.start();
  rmSync(root, { recursive: true, force: true });
}, 120_000);

const EVENTS = 6_000;
const KEYS = 17;

/** The independent computation: every (key, running count) once. */
function expected(): string[] {
  const counts = new Map<number, number>();
  const out: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const k = (i * 7) % KEYS;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    out.push(`${k}:${counts.get(k)}`);
  }
  return out.sort();
}

/** Every committed record of `topic`, as "key:n". */
const readCommitted = (topic: string) => readTopic(admin, connection, topic);

const expectNoOpenTransactions = (topic: string) => expectNoOpenTransactionsIn(admin, topic);

test("a broker restart during an exactly-once job: the job recovers and the output is exactly once", async () => {
  const input = unique("restart-in");
  const output = unique("restart-out");
  await admin.createTopic(input, { partitions: 3 });
  await admin.createTopic(output, { partitions: 3 });
  const producer = KafkaProducer.create(connection);
  try {
    for (let i = 0; i < EVENTS; i += 500) {
      await producer.send(Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => ({ topic: input, partition: (i + j) % 3, value: String(((i + j) * 7) % KEYS) })));
    }
  } finally {
    await producer.close();
  }

  // Short client timeouts: while the broker is down, calls fail within seconds and the restart
  // strategy (one attempt a second, plenty of them) retries until it is back.
  const jobConnection = { bootstrapServers: connection.bootstrapServers, clientId: "restart-job", connectTimeoutMs: 1_000, requestTimeoutMs: 3_000, operationTimeoutMs: 8_000 };
  const env = StreamEnvironment.create({ parallelism: 2 });
  let processed = 0;
  env
    .fromKafka({ connection: jobConnection, topics: [input], format: "string", bounded: true, batchSize: 50 })
    .map((k) => {
      if (++processed % 50 === 0) Bun.sleepSync(15); // ~2 s per pass over the input: the restart lands mid-job
      return { key: Number(k), n: 1 };
    })
    .keyBy((e) => e.key)
    .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
    .sinkToKafka({ connection: jobConnection, topic: output, delivery: "exactly-once", transactionalIdPrefix: unique("restart"), transactionTimeoutMs: 60_000, key: (c) => c.key, uid: "kafka-out" });

  let started!: (job: RunningJob) => void;
  const running = new Promise<RunningJob>((resolve) => (started = resolve));
  const result: Promise<JobExecutionResult> = executeLocally(env.getJobDefinition("broker-restart"), {
    checkpointInterval: 200,
    checkpointDir: join(root, "checkpoints"),
    restartStrategy: { type: "fixed-delay", attempts: 60, delayMs: 500 },
    onStart: started,
  });
  result.catch(() => undefined);
  await running;

  // Mid-job: some records processed (so checkpoints and committed transactions exist), many to go.
  const deadline = Date.now() + 30_000;
  while (processed < EVENTS / 3) {
    if (Date.now() > deadline) throw new Error(`the job processed only ${processed} records in 30 s`);
    await Bun.sleep(10);
  }
  const processedBeforeRestart = processed;
  // Long-lived clients of this layer, used before and after the restart: they must reconnect.
  const reader = KafkaReader.create(connection, { isolationLevel: "read_committed" });
  const lateProducer = KafkaProducer.create(connection);
  reader.assign([{ topic: input, partition: 0, offset: 0 }]);
  expect((await reader.poll({ maxWaitMs: 500 })).length).toBe(1);
  await lateProducer.send([{ topic: input, partition: 1, value: "warm-up" }]).catch(() => undefined); // not read by the job: it ends at the offsets found at its first start
  await broker.restart();
  expect(broker.isRunning()).toBe(true);

  let finished: JobExecutionResult;
  try {
    finished = await result;
  } catch (error) {
    throw new Error(`the job did not survive the broker restart: ${String(error)}\n${describeBrokerForFailure(broker)}`);
  }
  expect(processedBeforeRestart).toBeLessThan(EVENTS);
  // Whether the job had to restart depends on timing: a send may fail while the broker is away (then
  // the job restarts from its checkpoint), or the client reconnects first. Either way: exactly once.
  expect(finished.checkpoints.counts.completed).toBeGreaterThan(0);
  await expectNoOpenTransactions(output);
  const out = await readCommitted(output);
  expect(out.length).toBe(EVENTS);
  expect(out).toEqual(expected());

  // The clients created before the restart work again (the library reconnects on the next call).
  try {
    const again = async () => {
      for (let i = 0; i < 20; i++) {
        const polled = await reader.poll({ maxWaitMs: 200 }).catch(() => []);
        if (polled.length > 0) return polled;
        await Bun.sleep(100);
      }
      return [];
    };
    reader.seek(input, 0, 0);
    expect((await again())[0]?.records.length).toBeGreaterThan(0);
    await lateProducer.send([{ topic: output, partition: 0, value: JSON.stringify({ key: -1, n: 0 }) }]);
    await lateProducer.flush();
  } finally {
    await reader.close();
    await lateProducer.close();
  }
}, 180_000);

test("the broker serves new clients after the restart (for the test files that follow)", async () => {
  const topic = unique("after-restart");
  await admin.createTopic(topic, { partitions: 1 });
  expect(await admin.listPartitions([topic])).toEqual([{ topic, partitions: [0] }]);
}, 60_000);
