/**
 * `bun run bench:nexmark`: the Nexmark SQL queries of examples/nexmark (q0, q1, q2, q5, q7, q8, q11) on
 * the embedded MiniCluster, as `bicycle sql` runs them. Three measurements:
 *   1. plan ms: parse + plan of the query text with `planSqlScript` (src/sql), the median of PLAN_RUNS
 *      runs after 3 warm-up runs (the first plan in a process also pays for JIT warm-up of the parser).
 *   2. events/s at each parallelism (default 1 and 2): the query is planned with the nexmark.* tables
 *      generating N events (--events, default 10M) and its `sink:stdout` node (a bare SELECT prints its
 *      rows) replaced by a blackhole `sink:discard`, so formatting and printing rows does not dominate.
 *      The plan is submitted to a fresh MiniCluster with one slot thread per subtask (sql-runner.ts's
 *      runLocally: plan JSON only, no bundle). events/s = N / wall time from submitJob until the job
 *      terminated: it includes submission, scheduling and deployment of the tasks onto the already running
 *      slot threads, and the run to the end of input (final watermark, last windows fired); it excludes
 *      planning, cluster start-up (JobManager, workers, slot threads) and cluster stop. Every nexmark
 *      source (q5 reads bid twice, q8 reads person and auction) generates its rows from the same N-event
 *      global sequence, so "events" is N for every query, whichever table(s) it reads.
 *   3. time to first row of `bicycle sql "SELECT auction, price FROM nexmark.bid" --events 1000
 *      --format json`: from spawning the process until its first stdout line, median of FIRST_ROW_RUNS,
 *      both from source (`bun src/cli/main.ts`) and as the compiled binary. The binary is built fresh
 *      with the repo's build script (scripts/build.ts) into a temp directory, since dist/bicycle may be
 *      stale; `--binary PATH` uses an existing one instead, `--skip-binary` skips it.
 * Prints the table and the aims (per core: q0-q2 >= 1M events/s, q5 >= 150k, q7 >= 100k, q8 >= 300k;
 * first row < 150 ms) next to the measured values; they are not asserted.
 * Flags: --events N, --queries q0,q5, --parallelism 1,2, --runs R (job runs per configuration, median;
 * default 1), --json (machine-readable results on stdout, progress on stderr).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { log } from "../src/core/index.ts";
import { NEXMARK_QUERIES as ALL_QUERIES, planNexmarkJob, runNexmarkJob, type SqlJob } from "./nexmark-jobs.ts";
import { formatRate, median } from "./stats.ts";
/** The aims (events/s per core) from the issue; q1/q2 share q0's, q11 has none. */
const AIMS: Readonly<Record<string, number>> = { q0: 1_000_000, q1: 1_000_000, q2: 1_000_000, q5: 150_000, q7: 100_000, q8: 300_000 };
const FIRST_ROW_AIM_MS = 150;
const PLAN_RUNS = 20;
const FIRST_ROW_RUNS = 5;
const FIRST_ROW_QUERY = "SELECT auction, price FROM nexmark.bid";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "10000000" },
    queries: { type: "string", default: ALL_QUERIES.join(",") },
    parallelism: { type: "string", default: "1,2" },
    runs: { type: "string", default: "1" },
    binary: { type: "string" },
    "skip-binary": { type: "boolean", default: false },
    "skip-first-row": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const wholeNumber = (s: string): number => Number(s.replaceAll("_", "").replaceAll(",", ""));
const EVENTS = wholeNumber(values.events!);
const RUNS = Number(values.runs);
const QUERIES = values.queries!.split(",").map((q) => q.trim()).filter((q) => q.length > 0);
const PARALLELISMS = values.parallelism!.split(",").map((p) => Number(p.trim()));
const JSON_OUT = values.json === true;
if (!Number.isInteger(EVENTS) || EVENTS < 1 || !Number.isInteger(RUNS) || RUNS < 1 || PARALLELISMS.some((p) => !Number.isInteger(p) || p < 1)) {
  console.error("bench:nexmark: --events, --runs and --parallelism must be positive integers");
  process.exit(1);
}
const unknown = QUERIES.filter((q) => !(ALL_QUERIES as readonly string[]).includes(q));
if (unknown.length > 0) {
  console.error(`bench:nexmark: unknown queries ${unknown.join(", ")} (have ${ALL_QUERIES.join(", ")})`);
  process.exit(1);
}

const ROOT = resolve(import.meta.dir, "..");
const say = (line: string): void => void (JSON_OUT ? process.stderr : process.stdout).write(`${line}\n`);
if (process.env.BICYCLE_LOG === undefined) log.setLevel("warn");

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// ---- 1. plan time ----

function planMs(text: string): number {
  for (let i = 0; i < 3; i++) planNexmarkJob(text, 1, EVENTS);
  const times: number[] = [];
  for (let i = 0; i < PLAN_RUNS; i++) {
    const t = performance.now();
    planNexmarkJob(text, 1, EVENTS);
    times.push(performance.now() - t);
  }
  return median(times);
}

// ---- 2. throughput on the embedded MiniCluster ----

interface QueryResult {
  query: string;
  parallelism: number;
  planMs: number;
  ok: boolean;
  error?: string;
  runsMs: number[];
  medianMs?: number;
  eventsPerSec?: number;
  aimPerCore?: number;
}

// ---- 3. time to first row ----

interface FirstRowResult {
  how: string;
  command: string[];
  ok: boolean;
  error?: string;
  runsMs: number[];
  medianMs?: number;
}

/** ms from spawn until the first complete stdout line; the process is then awaited (it must exit 0). */
async function firstRowMs(command: string[]): Promise<number> {
  const started = performance.now();
  const proc = Bun.spawn(command, { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, BICYCLE_LOG: "warn" } });
  let firstMs: number | undefined;
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    if (firstMs === undefined) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("\n")) firstMs = performance.now() - started;
    }
  }
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`exited ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`);
  if (firstMs === undefined) throw new Error("printed no row");
  const first = text.slice(0, text.indexOf("\n"));
  if (!first.startsWith("{")) throw new Error(`first line is not a JSON row: ${first.slice(0, 80)}`);
  return firstMs;
}

async function measureFirstRow(how: string, command: string[]): Promise<FirstRowResult> {
  const result: FirstRowResult = { how, command, ok: false, runsMs: [] };
  try {
    await firstRowMs(command); // warm-up: the OS file cache (and Bun's transpiler cache from source)
    for (let i = 0; i < FIRST_ROW_RUNS; i++) result.runsMs.push(await firstRowMs(command));
    result.medianMs = median(result.runsMs);
    result.ok = true;
  } catch (error) {
    result.error = describe(error);
  }
  return result;
}

/** The compiled binary: --binary, else a fresh build (scripts/build.ts) into `dir`. */
async function compiledBinary(dir: string): Promise<{ path: string; note: string }> {
  if (values.binary !== undefined) {
    if (!existsSync(values.binary)) throw new Error(`--binary ${values.binary}: no such file`);
    return { path: resolve(values.binary), note: `given binary ${values.binary}` };
  }
  const outfile = join(dir, "bicycle");
  const proc = Bun.spawn([process.execPath, join(ROOT, "scripts/build.ts"), "--outfile", outfile], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`scripts/build.ts exited ${code}: ${err.trim() || out.trim()}`);
  const took = /in ([\d.]+ s)/.exec(out)?.[1] ?? "?";
  return { path: outfile, note: `built fresh by scripts/build.ts into a temp dir (build took ${took})` };
}

// ---- main ----

say(
  `bench:nexmark on Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores: ${EVENTS.toLocaleString("en-US")} Nexmark events per job, ` +
    `parallelism ${PARALLELISMS.join(",")}, ${RUNS === 1 ? "1 run" : `median of ${RUNS} runs`} per configuration`,
);
say("events/s = events / wall time from job submission to job end on a running MiniCluster (one slot thread per subtask);");
say("  included: submission, deployment, the whole run (final watermark, last windows); excluded: planning, cluster start-up/stop.");
say("  The stdout sink of each query is replaced by a blackhole (sink:discard). plan ms = parse + plan (planSqlScript), median of 20.");

const texts = new Map<string, string>();
for (const q of QUERIES) texts.set(q, await Bun.file(join(ROOT, "examples/nexmark", `${q}.sql`)).text());

// The very first plan in the process also pays for loading and JIT-compiling the parser and planner.
const coldStarted = performance.now();
planNexmarkJob(texts.get(QUERIES[0]!)!, 1, EVENTS);
const firstPlanMs = performance.now() - coldStarted;
const plans = new Map<string, number>();
for (const q of QUERIES) plans.set(q, planMs(texts.get(q)!));

const results: QueryResult[] = [];
for (const q of QUERIES) {
  for (const p of PARALLELISMS) {
    const aim = AIMS[q];
    const r: QueryResult = { query: q, parallelism: p, planMs: plans.get(q)!, ok: false, runsMs: [], ...(aim === undefined ? {} : { aimPerCore: aim }) };
    try {
      const job = planNexmarkJob(texts.get(q)!, p, EVENTS);
      for (let i = 0; i < RUNS; i++) {
        const ms = await runNexmarkJob(job, p);
        r.runsMs.push(ms);
        say(`  ${q} p=${p}: run ${i + 1}/${RUNS} ${ms.toFixed(0)} ms (${formatRate(EVENTS / (ms / 1000))} events/s)`);
        Bun.gc(true);
      }
      r.medianMs = median(r.runsMs);
      r.eventsPerSec = EVENTS / (r.medianMs / 1000);
      r.ok = true;
    } catch (error) {
      r.error = describe(error);
      say(`  ${q} p=${p}: FAILED: ${r.error}`);
    }
    results.push(r);
  }
}

const firstRows: FirstRowResult[] = [];
let binaryNote = "";
if (values["skip-first-row"] !== true) {
  const args = ["sql", FIRST_ROW_QUERY, "--events", "1000", "--format", "json"];
  say(`  time to first row: bicycle ${args.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")} ...`);
  firstRows.push(await measureFirstRow("from source (bun src/cli/main.ts)", [process.execPath, join(ROOT, "src/cli/main.ts"), ...args]));
  if (values["skip-binary"] !== true) {
    const dir = await mkdtemp(join(tmpdir(), "bicycle-bench-nexmark-"));
    try {
      const binary = await compiledBinary(dir);
      binaryNote = binary.note;
      firstRows.push(await measureFirstRow("compiled binary", [binary.path, ...args]));
    } catch (error) {
      firstRows.push({ how: "compiled binary", command: [], ok: false, error: describe(error), runsMs: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

// ---- report ----

say("");
say(`${"query".padEnd(6)} | ${"p".padStart(2)} | ${"events/s".padStart(10)} | ${"per core".padStart(10)} | ${"aim/core".padStart(9)} | ${"".padEnd(7)} | ${"plan ms".padStart(7)} | wall ms`);
say(`${"-".repeat(6)}-|-${"-".repeat(2)}-|-${"-".repeat(10)}-|-${"-".repeat(10)}-|-${"-".repeat(9)}-|-${"-".repeat(7)}-|-${"-".repeat(7)}-|--------`);
for (const r of results) {
  const plan = r.planMs.toFixed(2).padStart(7);
  if (!r.ok) {
    say(`${r.query.padEnd(6)} | ${String(r.parallelism).padStart(2)} | ${"FAILED".padStart(10)} | ${"".padStart(10)} | ${"".padStart(9)} | ${"".padEnd(7)} | ${plan} | ${r.error}`);
    continue;
  }
  const perCore = r.eventsPerSec! / r.parallelism;
  const aim = r.aimPerCore === undefined ? "-" : `>= ${formatRate(r.aimPerCore)}`;
  const verdict = r.aimPerCore === undefined ? "" : perCore >= r.aimPerCore ? "met" : "not met";
  say(
    `${r.query.padEnd(6)} | ${String(r.parallelism).padStart(2)} | ${formatRate(r.eventsPerSec!).padStart(10)} | ${formatRate(perCore).padStart(10)} | ${aim.padStart(9)} | ${verdict.padEnd(7)} | ${plan} | ${r.medianMs!.toFixed(0)}`,
  );
}
say("(per core = events/s / p; the aims are per core. q11 has no aim.)");
say(`plan ms is warm (after 3 warm-up plans); the first planSqlScript call in this process (${QUERIES[0]}) took ${firstPlanMs.toFixed(1)} ms.`);
if (firstRows.length > 0) {
  say("");
  say(`time to first row, "${FIRST_ROW_QUERY}" --events 1000 --format json (spawn -> first stdout line, median of ${FIRST_ROW_RUNS} after 1 warm-up; aim < ${FIRST_ROW_AIM_MS} ms):`);
  for (const f of firstRows) {
    if (!f.ok) {
      say(`  ${f.how.padEnd(36)} FAILED: ${f.error}`);
      continue;
    }
    const verdict = f.medianMs! < FIRST_ROW_AIM_MS ? "met" : "not met";
    say(`  ${f.how.padEnd(36)} ${f.medianMs!.toFixed(0).padStart(5)} ms  (${verdict}; runs ${f.runsMs.map((ms) => ms.toFixed(0)).join(", ")} ms)`);
  }
  if (binaryNote !== "") say(`  binary: ${binaryNote}`);
}

if (JSON_OUT) {
  console.log(JSON.stringify({ bench: "nexmark", bun: Bun.version, events: EVENTS, runs: RUNS, firstPlanMs, results, firstRow: { query: FIRST_ROW_QUERY, aimMs: FIRST_ROW_AIM_MS, results: firstRows } }, null, 2));
}
if (results.some((r) => !r.ok) || firstRows.some((f) => !f.ok)) process.exit(1);
