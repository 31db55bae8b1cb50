/**
 * `bun run bench:kafka`: records/s from topic to topic through a stateless job (Kafka source -> map ->
 * Kafka sink), run in-process with `env.execute` and the source `bounded: true` (the job ends at the
 * input's end offsets), in three configurations:
 *   1. at-least-once sink (idempotent producer), no checkpoints (`--alo-checkpoint-interval` to add them)
 *   2. exactly-once sink (Kafka transactions), checkpoint every 1 s
 *   3. exactly-once sink, checkpoint every 10 s (a run shorter than 10 s commits only at end of input)
 * The bench starts its own single-node broker (scripts/kafka: a private temp folder, free ports; stopped
 * at the end, also on error and Ctrl-C), creates the input topic (--partitions, default 4) and fills it
 * once with --records records of 100 bytes (the producer's fill rate is printed too). Each run writes a
 * fresh output topic with as many partitions; its time is the wall time from `env.execute` to the
 * moment every output record is visible to read_committed readers (last stable offset == high
 * watermark on every partition). Afterwards (untimed) a read_committed read counts the output:
 * exactly --records for exactly-once, at least that many for at-least-once, else the run fails.
 * Prints events/s per configuration (median of --runs) and the checkpoint overhead: at-least-once
 * rate / exactly-once rate.
 * Flags: --records N (default 1M), --runs R (default 3), --parallelism 1[,2] (default 1),
 * --partitions P (default 4), --alo-checkpoint-interval MS (default 0), --configs alo,eo1,eo10 (a subset,
 * e.g. to profile one), --json (machine-readable results on stdout, progress on stderr). A configuration that fails is reported with its cause; exit code 1.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KafkaBroker, tailFile } from "../scripts/kafka/broker.ts";
import { KafkaAdmin, KafkaProducer, KafkaReader, type KafkaConnectionInput, type KafkaOutputRecord, type TopicPartition } from "../src/connectors/kafka/client/index.ts";
import type { KafkaDeliveryGuarantee } from "../src/connectors/kafka/sink/index.ts";
import { log } from "../src/core/index.ts";
import { StreamEnvironment } from "../src/index.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    parallelism: { type: "string", default: "1" },
    partitions: { type: "string", default: "4" },
    "alo-checkpoint-interval": { type: "string", default: "0" },
    configs: { type: "string", default: "alo,eo1,eo10" },
    json: { type: "boolean", default: false },
  },
});
const RECORDS = Number(values.records);
const RUNS = Number(values.runs);
const PARTITIONS = Number(values.partitions);
const PARALLELISMS = values.parallelism.split(",").map(Number);
const ALO_CHECKPOINT_MS = Number(values["alo-checkpoint-interval"]);
const JSON_OUT = values.json === true;
const RECORD_BYTES = 100;
const isPositiveInt = (n: number): boolean => Number.isInteger(n) && n >= 1;
if (![RECORDS, RUNS, PARTITIONS, ...PARALLELISMS].every(isPositiveInt) || !Number.isInteger(ALO_CHECKPOINT_MS) || ALO_CHECKPOINT_MS < 0) {
  console.error("bench:kafka: --records, --runs, --partitions and --parallelism must be positive integers, --alo-checkpoint-interval a whole number of ms");
  process.exit(1);
}

/** Progress and the human table go to stderr with --json, so stdout is the JSON document alone. */
const say = (line: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`);
if (process.env.BICYCLE_LOG === undefined) log.setLevel("warn");
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

interface Config {
  readonly id: string;
  readonly label: string;
  readonly delivery: KafkaDeliveryGuarantee;
  readonly checkpointIntervalMs: number;
}

const CONFIGS: readonly Config[] = [
  { id: "alo", label: ALO_CHECKPOINT_MS > 0 ? `at-least-once, checkpoint every ${ALO_CHECKPOINT_MS / 1000} s` : "at-least-once, no checkpoints", delivery: "at-least-once", checkpointIntervalMs: ALO_CHECKPOINT_MS },
  { id: "eo1", label: "exactly-once, checkpoint every 1 s", delivery: "exactly-once", checkpointIntervalMs: 1_000 },
  { id: "eo10", label: "exactly-once, checkpoint every 10 s", delivery: "exactly-once", checkpointIntervalMs: 10_000 },
];
const SELECTED = values.configs.split(",").map((c) => c.trim());
const unknown = SELECTED.filter((id) => !CONFIGS.some((c) => c.id === id));
if (unknown.length > 0) {
  console.error(`bench:kafka: unknown --configs ${unknown.join(",")}; choose from ${CONFIGS.map((c) => c.id).join(",")}`);
  process.exit(1);
}

interface RunDetail {
  readonly ms: number;
  /** execute() returned (job finished) after this many ms; `ms` adds the wait until visible. */
  readonly jobMs: number;
  /** Checkpoints completed / triggered during the run. */
  readonly checkpoints: number;
  readonly checkpointsTriggered: number;
  readonly outputRecords: number;
}

interface ConfigResult {
  readonly name: string;
  readonly delivery: KafkaDeliveryGuarantee;
  readonly checkpointIntervalMs: number;
  readonly parallelism: number;
  readonly runs: RunDetail[];
  ok: boolean;
  medianMs?: number;
  eventsPerSec?: number;
  error?: string;
}

// ---- broker: private folder, free ports; stopped on every way out ----

const dir = mkdtempSync(join(tmpdir(), "bicycle-bench-kafka-"));
let broker: KafkaBroker | undefined;
const cleanup = (): void => {
  broker?.kill();
  rmSync(dir, { recursive: true, force: true });
};
process.once("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench:kafka: ${signal}, stopping the broker\n`);
    cleanup();
    process.exit(130);
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Create a topic through the admin client and wait until the broker hosts every partition's log. */
async function createTopic(admin: KafkaAdmin, name: string, partitions: number): Promise<void> {
  await admin.createTopic(name, { partitions });
  const deadline = Date.now() + 30_000;
  const dirs = Array.from({ length: partitions }, (_, p) => join(broker!.dataDir, `${name}-${p}`));
  while (!dirs.every((d) => existsSync(d))) {
    if (Date.now() > deadline) throw new Error(`topic ${name}: partition logs did not appear within 30 s`);
    await Bun.sleep(10);
  }
}

const partitionsOf = (topic: string): TopicPartition[] => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));

/** The i-th input record: 100 bytes, its index in text then padding. */
function recordValue(i: number): Uint8Array {
  const value = Buffer.alloc(RECORD_BYTES, 0x2e);
  value.write(`record-${String(i).padStart(12, "0")}-`, 0, "latin1");
  return value;
}

/** Fill the input topic once (round-robin over its partitions); returns the fill time in ms. */
async function fill(connection: KafkaConnectionInput, topic: string): Promise<number> {
  const producer = KafkaProducer.create(connection);
  const CHUNK = 10_000;
  const began = performance.now();
  try {
    // A few sends queued ahead (the idempotent producer has one on the wire), so building the next chunk overlaps the round trip.
    const queued: Promise<void>[] = [];
    for (let start = 0; start < RECORDS; start += CHUNK) {
      const records: KafkaOutputRecord[] = [];
      for (let i = start; i < Math.min(RECORDS, start + CHUNK); i++) records.push({ topic, partition: i % PARTITIONS, value: recordValue(i) });
      queued.push(producer.send(records));
      if (queued.length >= 4) await queued.shift();
    }
    await Promise.all(queued);
    await producer.flush();
    return performance.now() - began;
  } finally {
    await producer.close();
  }
}

/** Sum of the partitions' end offsets under `isolation` (read_committed: last stable offsets). */
async function endOffsets(admin: KafkaAdmin, topic: string, isolation: "read_committed" | "read_uncommitted"): Promise<number[]> {
  const ends = await admin.listOffsets(partitionsOf(topic), "latest", isolation);
  return ends.map((e) => e.offset);
}

/** Every output record visible to read_committed readers: LSO == high watermark on every partition. */
async function waitUntilVisible(admin: KafkaAdmin, topic: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [lso, hw] = await Promise.all([endOffsets(admin, topic, "read_committed"), endOffsets(admin, topic, "read_uncommitted")]);
    if (lso.every((o, p) => o === hw[p])) return;
    if (Date.now() > deadline) throw new Error(`output ${topic}: a transaction stayed open (LSO ${lso.join(",")} < high watermark ${hw.join(",")})`);
    await Bun.sleep(5);
  }
}

/** Count the records a read_committed reader sees in `topic` up to its current ends (untimed). */
async function countCommitted(admin: KafkaAdmin, connection: KafkaConnectionInput, topic: string): Promise<number> {
  const ends = await endOffsets(admin, topic, "read_committed");
  const reader = KafkaReader.create(connection, { isolationLevel: "read_committed", partitionMaxBytes: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  let count = 0;
  try {
    reader.assign(partitionsOf(topic).map((tp) => ({ ...tp, offset: 0 })));
    const deadline = Date.now() + 300_000;
    while (reader.currentPositions().some((p) => p.offset < ends[p.partition]!)) {
      if (Date.now() > deadline) throw new Error(`counting ${topic} did not reach its end offsets ${ends.join(",")}`);
      for (const polled of await reader.poll({ maxWaitMs: 50 })) for (const r of polled.records) if (r.offset < ends[r.partition]!) count++;
    }
  } finally {
    await reader.close();
  }
  return count;
}

/** One job run: input -> map -> output (fresh topic); time to visible, then the untimed count. */
async function runOnce(admin: KafkaAdmin, connection: KafkaConnectionInput, input: string, config: Config, parallelism: number, tag: string): Promise<RunDetail> {
  const output = `bench-out-${tag}`;
  await createTopic(admin, output, PARTITIONS);
  try {
    const env = StreamEnvironment.create({ parallelism, checkpointInterval: config.checkpointIntervalMs, checkpointDir: join(dir, "checkpoints", tag) });
    env
      .fromKafka({ connection, topics: [input], format: "raw", bounded: true })
      .map((value) => value)
      .sinkToKafka({ connection, topic: output, format: "raw", delivery: config.delivery, transactionalIdPrefix: `bench-${tag}`, uid: "kafka-out" });
    const began = performance.now();
    const result = await env.execute(`bench-kafka-${tag}`);
    const jobMs = performance.now() - began;
    await waitUntilVisible(admin, output);
    const ms = performance.now() - began;
    const counts = (result as { checkpoints?: { counts: { completed: number; triggered: number } } }).checkpoints?.counts;
    const outputRecords = await countCommitted(admin, connection, output);
    const exact = config.delivery === "exactly-once";
    if (exact ? outputRecords !== RECORDS : outputRecords < RECORDS) {
      throw new Error(`output ${output} holds ${fmt(outputRecords)} committed records, expected ${exact ? "exactly" : "at least"} ${fmt(RECORDS)}`);
    }
    return { ms, jobMs, checkpoints: counts?.completed ?? 0, checkpointsTriggered: counts?.triggered ?? 0, outputRecords };
  } finally {
    await admin.deleteTopics([output]).catch(() => undefined);
  }
}

async function measure(admin: KafkaAdmin, connection: KafkaConnectionInput, input: string, config: Config, parallelism: number, index: number): Promise<ConfigResult> {
  const name = `${config.label}, p${parallelism}`;
  const result: ConfigResult = { name, delivery: config.delivery, checkpointIntervalMs: config.checkpointIntervalMs, parallelism, runs: [], ok: false };
  try {
    for (let r = 0; r < RUNS; r++) {
      const run = await runOnce(admin, connection, input, config, parallelism, `c${index}-p${parallelism}-r${r + 1}`);
      result.runs.push(run);
      say(`  ${name}: run ${r + 1}/${RUNS} ${fmt(run.ms)} ms (job ${fmt(run.jobMs)} ms, ${run.checkpoints}/${run.checkpointsTriggered} checkpoints completed/triggered, ${fmt(run.outputRecords)} records committed)`);
      Bun.gc(true);
    }
    result.medianMs = median(result.runs.map((r) => r.ms));
    result.eventsPerSec = RECORDS / (result.medianMs / 1000);
    result.ok = true;
  } catch (error) {
    result.error = describe(error);
    say(`  ${name}: FAILED: ${result.error}`);
  }
  return result;
}

// ---- main ----

const results: ConfigResult[] = [];
let fillMs = 0;
let exitCode = 0;
try {
  say(
    `bench:kafka on Bun ${Bun.version}: source -> map -> sink, ${fmt(RECORDS)} records of ${RECORD_BYTES} bytes, ${PARTITIONS} partitions, ` +
      `parallelism ${PARALLELISMS.join(",")}, median of ${RUNS}`,
  );
  broker = await KafkaBroker.create({ dir: join(dir, "broker"), ownerPid: process.pid, heapMb: 1024 });
  await broker.start();
  say(`  broker ${broker.bootstrap} started in ${fmt(broker.timings.startsMs[0] ?? 0)} ms (folder ${dir})`);
  const connection: KafkaConnectionInput = { bootstrapServers: broker.bootstrap, clientId: "bench-kafka" };
  const admin = KafkaAdmin.create(connection);
  try {
    const input = "bench-in";
    await createTopic(admin, input, PARTITIONS);
    fillMs = await fill(connection, input);
    const filled = (await endOffsets(admin, input, "read_committed")).reduce((a, b) => a + b, 0);
    if (filled !== RECORDS) throw new Error(`input ${input} holds ${fmt(filled)} records after the fill, expected ${fmt(RECORDS)}`);
    say(`  filled ${input}: ${fmt(RECORDS / (fillMs / 1000))} records/s, ${((RECORDS * RECORD_BYTES) / 1e6 / (fillMs / 1000)).toFixed(1)} MB/s (${fmt(fillMs)} ms)`);
    for (const parallelism of PARALLELISMS) {
      for (const [index, config] of CONFIGS.entries()) if (SELECTED.includes(config.id)) results.push(await measure(admin, connection, input, config, parallelism, index + 1));
    }
  } finally {
    await admin.close();
  }
} catch (error) {
  say(`bench:kafka: ${describe(error)}`);
  if (broker !== undefined) say(`last lines of ${broker.logFile}:\n${tailFile(broker.logFile, 20)}`);
  exitCode = 1;
} finally {
  await broker?.stop();
}

const ratios: { parallelism: number; config: string; aloOverEo: number | null }[] = [];
if (results.length > 0) {
  say("");
  say(`${"producer fill (idempotent, 10k-record sends)".padEnd(52)} ${(RECORDS / (fillMs / 1000) / 1e3).toFixed(1).padStart(8)} k records/s`);
  for (const r of results) {
    if (!r.ok) say(`${r.name.padEnd(52)}   FAILED: ${r.error}`);
    else say(`${r.name.padEnd(52)} ${(r.eventsPerSec! / 1e3).toFixed(1).padStart(8)} k events/s   (median of ${RUNS}: ${fmt(r.medianMs!)} ms)`);
  }
  for (const parallelism of PARALLELISMS) {
    const mine = results.filter((r) => r.parallelism === parallelism);
    const alo = mine.find((r) => r.delivery !== "exactly-once");
    for (const eo of mine.filter((r) => r.delivery === "exactly-once")) {
      const ratio = alo?.eventsPerSec !== undefined && eo.eventsPerSec !== undefined ? alo.eventsPerSec / eo.eventsPerSec : null;
      ratios.push({ parallelism, config: eo.name, aloOverEo: ratio });
      const text = ratio === null ? "n/a" : `${ratio.toFixed(2)}x (exactly-once at ${((1 / ratio) * 100).toFixed(0)}% of at-least-once)`;
      say(`checkpoint overhead, ${eo.name}: ${text}`);
    }
  }
}
if (results.some((r) => !r.ok)) exitCode = 1;
if (JSON_OUT) {
  const fill = { ms: fillMs, recordsPerSec: fillMs > 0 ? RECORDS / (fillMs / 1000) : null, mbPerSec: fillMs > 0 ? (RECORDS * RECORD_BYTES) / 1e6 / (fillMs / 1000) : null };
  console.log(JSON.stringify({ bench: "kafka", bun: Bun.version, records: RECORDS, recordBytes: RECORD_BYTES, partitions: PARTITIONS, runs: RUNS, fill, results, ratios }, null, 2));
}
cleanup();
process.exit(exitCode);
