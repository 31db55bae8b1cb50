/**
 * The Bicycle side of `bun run bench:vs-flink`, run as its own process so the driver can measure it
 * from /proc like the Flink JVM: one Nexmark query (examples/nexmark/qN.sql, blackhole sink) on a fresh
 * embedded MiniCluster with the shared settings (parallelism, exactly-once aligned checkpoints every
 * interval, memory or RocksDB state). Protocol on stdout, the same as bench/flink's NexmarkRunner:
 * `{"event":"started"}` just before the job is submitted, then one result line; with --hold it then
 * waits for stdin to close, so the driver can read peak RSS and CPU time before the process exits.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { log } from "../../src/core/index.ts";
import { NEXMARK_QUERIES, planNexmarkJob, runNexmarkJob } from "../nexmark-jobs.ts";

const { values } = parseArgs({
  options: {
    query: { type: "string", default: "q0" },
    events: { type: "string", default: "1000000" },
    parallelism: { type: "string", default: "1" },
    state: { type: "string", default: "memory" },
    "checkpoint-interval-ms": { type: "string", default: "10000" },
    hold: { type: "boolean", default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`bicycle-runner: ${message}\n`);
  process.exit(1);
}

const query = values.query!;
const events = Number(values.events);
const parallelism = Number(values.parallelism);
const state = values.state!;
const checkpointIntervalMs = Number(values["checkpoint-interval-ms"]);
if (!(NEXMARK_QUERIES as readonly string[]).includes(query)) fail(`unknown query ${query} (have ${NEXMARK_QUERIES.join(", ")})`);
if (!Number.isInteger(events) || events < 1 || !Number.isInteger(parallelism) || parallelism < 1) fail("--events and --parallelism must be positive integers");
if (state !== "memory" && state !== "rocksdb") fail("--state must be memory or rocksdb");
if (!Number.isInteger(checkpointIntervalMs) || checkpointIntervalMs < 0) fail("--checkpoint-interval-ms must be a whole number");
if (process.env.BICYCLE_LOG === undefined) log.setLevel("warn");

const text = readFileSync(resolve(import.meta.dir, "../../examples/nexmark", `${query}.sql`), "utf8");
const job = planNexmarkJob(text, parallelism, events);
const work = mkdtempSync(join(tmpdir(), "bicycle-vs-flink-"));
let startupMs = 0;
try {
  const runMs = await runNexmarkJob(
    job,
    parallelism,
    { checkpointInterval: checkpointIntervalMs, stateBackend: state, checkpointDir: join(work, "checkpoints"), stateDir: join(work, "state") },
    () => {
      startupMs = performance.now(); // since this process started
      process.stdout.write(`${JSON.stringify({ event: "started" })}\n`);
    },
  );
  const result = { engine: "bicycle", query, parallelism, events, state, checkpointIntervalMs, sink: "blackhole", startupMs: Math.round(startupMs), runMs: Math.round(runMs), eventsPerSecond: Math.round((events * 1000) / runMs) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (values.hold) for await (const _ of Bun.stdin.stream()) void _;
process.exit(0);
