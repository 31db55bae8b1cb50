/**
 * SQL tables with 'connector' = 'kafka' against the shared real broker, run in process: INSERT INTO a
 * Kafka table with exactly-once delivery (checkpointing on), read back under read_committed by a second
 * SQL job on a bounded Kafka table; a windowed aggregation over a Kafka table whose JSON carries epoch-ms
 * event times (`ts BIGINT` + WATERMARK, typed TIMESTAMP(3) by the planner); an unreachable broker. Every
 * result is compared with an independent computation in plain TypeScript.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaAdmin, KafkaProducer, parseKafkaConnectionOptions, type KafkaConnectionOptions } from "../../src/connectors/kafka/client/index.ts";
import { executeLocally } from "../../src/runtime/index.ts";
import { SqlError } from "../../src/sql/index.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";
import { expectNoOpenTransactions } from "../support/kafka-topics.ts";
import { planJob, runSql, runSqlWithResult } from "../sql/run-sql.ts";

let dir: string;
let bootstrap: string;
let connection: KafkaConnectionOptions;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const canon = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
const floorTo = (t: number, size: number) => t - (((t % size) + size) % size);

interface Event {
  readonly user: string;
  readonly amount: number;
  readonly ts: number;
}

/** 3,000 events over 60 s of event time, 7 users, amounts 0..96, out of order by less than 1 s. */
const EVENTS: Event[] = Array.from({ length: 3_000 }, (_, i) => ({
  user: `u${(i * 5) % 7}`,
  amount: (i * 37) % 97,
  ts: 1_700_000_000_000 + i * 20 - (i % 4) * 150,
}));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bicycle-sql-kafka-"));
  const broker = await kafkaBroker();
  bootstrap = broker.bootstrap;
  connection = parseKafkaConnectionOptions({ bootstrapServers: [bootstrap], clientId: "sql-kafka-test" });
  admin = KafkaAdmin.create(connection);
  producer = KafkaProducer.create(connection);
}, 240_000);

afterAll(async () => {
  await producer?.close();
  await admin?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A Kafka table's WITH clause on the shared broker. */
const kafkaWith = (topic: string, extra = "") =>
  `WITH ('connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${bootstrap}', 'format' = 'json'${extra === "" ? "" : `, ${extra}`})`;
const boundedRead = `'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'`;

describe("INSERT INTO a Kafka table", () => {
  test("exactly-once with checkpointing: a second SQL job reads exactly the written rows (read_committed)", async () => {
    const eventsPath = join(dir, "events.jsonl");
    writeFileSync(eventsPath, EVENTS.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const topic = unique("sql-out");
    await admin.createTopic(topic, { partitions: 3 });
    const job = planJob(
      `CREATE TABLE events (user VARCHAR, amount BIGINT, ts BIGINT) WITH ('connector' = 'file', 'path' = '${eventsPath}', 'format' = 'json');
       CREATE TABLE out (who VARCHAR, doubled BIGINT, ts BIGINT) ${kafkaWith(topic, `'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = '${topic}'`)};
       SET 'execution.checkpointing.interval' = '200 ms';
       INSERT INTO out SELECT UPPER(user), amount * 2, ts FROM events WHERE amount > 10`,
      { parallelism: 2 },
    );
    const sink = job.plan.nodes.at(-1)!;
    expect(sink.kind).toBe("sink:kafka");
    expect(sink.config).toMatchObject({ topic, format: "json", delivery: "exactly-once", transactionalIdPrefix: topic, checkpointIntervalMs: 200 });
    expect(job.checkpointIntervalMs).toBe(200);
    // Usually one checkpoint completes mid-run (a transaction committed by it) and endInput commits the rest;
    // how many is timing, so only the output is asserted.
    await executeLocally({ plan: job.plan, functions: new Map() }, { checkpointInterval: job.checkpointIntervalMs, checkpointDir: join(dir, "checkpoints") });
    await expectNoOpenTransactions(admin, topic);

    const rows = await runSql(`CREATE TABLE back (who VARCHAR, doubled BIGINT, ts BIGINT) ${kafkaWith(topic, boundedRead)}; SELECT * FROM back`, { parallelism: 2 });
    const expected = EVENTS.filter((e) => e.amount > 10).map((e) => ({ who: e.user.toUpperCase(), doubled: e.amount * 2, ts: e.ts }));
    expect(rows.length).toBe(expected.length);
    expect(canon(rows)).toEqual(canon(expected));
  }, 120_000);

  test("a transaction timeout too small for the job's checkpoint interval is an SqlError at INSERT", () => {
    const error = (() => {
      try {
        planJob(
          `CREATE TABLE out (a BIGINT) ${kafkaWith("t", `'sink.delivery-guarantee' = 'exactly-once', 'sink.transactional-id-prefix' = 'p'`)};
           SET 'execution.checkpointing.interval' = '10 min';
           INSERT INTO out SELECT auction FROM bid`,
        );
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(SqlError);
    expect((error as SqlError).message).toMatch(/^line 3, column \d+: .*twice the checkpoint interval 600000 ms/);
  });
});

describe("event time from a Kafka table's JSON", () => {
  test("TUMBLE over `ts BIGINT` epoch ms with a 1 s watermark: the windows of a plain loop, nothing late", async () => {
    const topic = unique("sql-events");
    await admin.createTopic(topic, { partitions: 3 });
    // Round-robin over the partitions: each partition is out of order by less than the 1 s bound.
    for (let i = 0; i < EVENTS.length; i += 500) {
      await producer.send(EVENTS.slice(i, i + 500).map((e, j) => ({ topic, partition: (i + j) % 3, value: JSON.stringify(e) })));
    }
    const job = planJob(`CREATE TABLE clicks (user VARCHAR, amount BIGINT, ts BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) ${kafkaWith(topic, boundedRead)};
      SELECT 1 FROM clicks`);
    expect(job.plan.nodes[0]!.config).toMatchObject({ timestampField: "ts", watermarks: { maxOutOfOrdernessMs: 1000 } });

    const { rows, late } = await runSqlWithResult(
      `CREATE TABLE clicks (user VARCHAR, amount BIGINT, ts BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND) ${kafkaWith(topic, boundedRead)};
       SELECT user, window_start, window_end, COUNT(*) AS n, SUM(amount) AS total, MAX(amount) AS hi
       FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY user, window_start, window_end`,
      { parallelism: 2 },
    );
    const groups = new Map<string, Event[]>();
    for (const e of EVENTS) {
      const k = `${e.user}|${floorTo(e.ts, 5000)}`;
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    const expected = [...groups].map(([k, es]) => {
      const [user, start] = k.split("|");
      return { user, window_start: Number(start), window_end: Number(start) + 5000, n: es.length, total: es.reduce((a, e) => a + e.amount, 0), hi: Math.max(...es.map((e) => e.amount)) };
    });
    expect(late).toBe(0);
    expect(canon(rows)).toEqual(canon(expected));
  }, 120_000);
});

describe("unreachable broker", () => {
  test("a Kafka table on a closed port fails the job with an error naming the servers, in bounded time", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const servers = `127.0.0.1:${server.port}`;
    server.stop(true);
    const started = Date.now();
    const error = await runSql(
      `CREATE TABLE dead (a BIGINT) WITH ('connector' = 'kafka', 'topic' = 't', 'properties.bootstrap.servers' = '${servers}', ${boundedRead}); SELECT * FROM dead`,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(servers);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);
});
