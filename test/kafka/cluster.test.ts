/**
 * Exactly once across two worker processes: a real `bicycle jobmanager` and two `bicycle worker`s on
 * loopback (test/cluster/process-cluster.ts) run a bundled job module — Kafka source (3 partitions,
 * bounded) -> keyBy -> running count -> exactly-once Kafka sink at parallelism 2, checkpoints every
 * 300 ms — against the shared real broker. One worker is killed with SIGKILL after two checkpoints
 * completed (its open transaction becomes a zombie) and a new worker is started; the job restores from
 * its latest checkpoint, and the output topic read with read_committed holds every running count
 * exactly once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asJobRef } from "../../src/cluster/index.ts";
import { KafkaAdmin, KafkaProducer, parseKafkaConnectionOptions, type KafkaConnectionOptions } from "../../src/connectors/kafka/client/index.ts";
import { until, waitForJob } from "../cluster/helpers.ts";
import { ProcessCluster } from "../cluster/process-cluster.ts";
import { submitDetached } from "../helpers/cli.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";
import { expectNoOpenTransactions, readTopic } from "../support/kafka-topics.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-kafka-cluster-"));
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;

beforeAll(async () => {
  const broker = await kafkaBroker();
  connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "cluster-test" });
  admin = KafkaAdmin.create(connection);
}, 240_000);

afterAll(async () => {
  await admin?.close();
  if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true });
});

const EVENTS = 12_000;
const KEYS = 23;
const keyOf = (i: number) => (i * 5) % KEYS;

/** The independent computation: every (key, running count) once. */
function expected(): string[] {
  const counts = new Map<number, number>();
  const out: string[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const k = keyOf(i);
    counts.set(k, (counts.get(k) ?? 0) + 1);
    out.push(`${k}:${counts.get(k)}`);
  }
  return out.sort();
}

/**
 * The job module. Every slot rebuilds the plan from the bundle, so the bootstrap address, the topic
 * names and the prefix are literals, and the functions of the Kafka options (`key`) are defined here.
 */
function writeJob(dir: string, spec: { bootstrap: string; input: string; output: string; prefix: string }): string {
  const file = join(dir, "kafka-job.ts");
  writeFileSync(
    file,
    `import type { StreamEnvironment } from "bicycle";
const CONNECTION = { bootstrapServers: ${JSON.stringify(spec.bootstrap)}, clientId: "cluster-job", connectTimeoutMs: 2000, requestTimeoutMs: 5000, operationTimeoutMs: 15000 };
export default function (env: StreamEnvironment) {
  let seen = 0;
  env
    .fromKafka({ connection: CONNECTION, topics: [${JSON.stringify(spec.input)}], format: "string", bounded: true, batchSize: 50 })
    .map((k: string) => {
      if (++seen % 50 === 0) Bun.sleepSync(10); // a few seconds in all: the kill lands mid-job
      return { key: Number(k), n: 1 };
    })
    .keyBy((e) => e.key)
    .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
    .sinkToKafka({
      connection: CONNECTION,
      topic: ${JSON.stringify(spec.output)},
      delivery: "exactly-once",
      transactionalIdPrefix: ${JSON.stringify(spec.prefix)},
      transactionTimeoutMs: 60000,
      key: (c) => c.key,
      uid: "kafka-out",
    });
}
`,
  );
  return file;
}

/** `bicycle submit --detached` of the job file; returns the job id. */
const submit = (cluster: ProcessCluster, file: string, extra: string[]): Promise<string> => submitDetached(cluster.jobManagerAddress, file, extra);

/** Every committed record of `topic` once no transaction is open, as "key:n". */
async function readCommitted(topic: string): Promise<string[]> {
  await expectNoOpenTransactions(admin, topic);
  return readTopic(admin, connection, topic);
}

test("exactly once across two worker processes: kill -9 of a worker after two checkpoints, a new worker takes over", async () => {
  const dir = join(root, "kill-worker");
  mkdirSync(dir, { recursive: true });
  const input = unique("cluster-in");
  const output = unique("cluster-out");
  await admin.createTopic(input, { partitions: 3 });
  await admin.createTopic(output, { partitions: 3 });
  const producer = KafkaProducer.create(connection);
  try {
    for (let i = 0; i < EVENTS; i += 500) {
      await producer.send(Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => ({ topic: input, partition: (i + j) % 3, value: String(keyOf(i + j)) })));
    }
  } finally {
    await producer.close();
  }

  const cluster = new ProcessCluster({ dir });
  try {
    await cluster.startJobManager();
    // One slot each: the two subtasks of every vertex run in different processes.
    await cluster.startWorker("wa", 1);
    await cluster.startWorker("wb", 1);
    const file = writeJob(dir, { bootstrap: connection.bootstrapServers[0]!, input, output, prefix: unique("cluster") });
    const jobId = await submit(cluster, file, ["-p", "2", "--checkpoint-interval", "300"]);
    await until(async () => ((await cluster.client.getJob(asJobRef(jobId))).lastCheckpointId ?? 0) >= 2, "two completed checkpoints", 60_000);
    const before = await cluster.client.getJob(asJobRef(jobId));
    expect(before.summary.status).toBe("running");
    expect(new Set(before.tasks.map((t) => t.workerId))).toEqual(new Set(["wa", "wb"]));
    await cluster.kill("wb");
    await cluster.startWorker("wc", 1);
    const job = await waitForJob(cluster.client, jobId, ["finished", "failed", "cancelled"], 120_000);
    expect(job.failure).toBeUndefined();
    expect(job.summary.status).toBe("finished");
    expect(job.summary.restarts).toBeGreaterThanOrEqual(1);
    expect(job.tasks.some((t) => t.workerId === "wc")).toBe(true);
    const out = await readCommitted(output);
    expect(out.length).toBe(EVENTS);
    expect(out).toEqual(expected());
  } finally {
    await cluster.stop();
  }
}, 180_000);
