/**
 * `bun run bench:vs-flink`: the Nexmark queries on Apache Flink and on Bicycle, on this machine, in one
 * run, with the same events and settings; reports the ratio. Method (bench/README.md has the long form):
 *
 * - Flink side: bench/flink (Flink 2.3.0 local MiniCluster, Flink SQL, the Nexmark suite's query text,
 *   a Java generator that yields Bicycle's exact event sequence). The fat jar is built once with Maven
 *   and rebuilt only when bench/flink's sources are newer than it.
 * - Bicycle side: bench/vs-flink/bicycle-runner.ts (examples/nexmark/qN.sql on an embedded MiniCluster).
 * - Shared settings: parallelism (--parallelism, default 1,2), exactly-once aligned checkpoints every
 *   10 s (--checkpoint-interval-ms), heap state (Flink hashmap, Bicycle memory) or RocksDB (--state),
 *   blackhole sink, N events of the global sequence (--events, default 10M; all kinds, as Flink's
 *   nexmark counts them). Everything else is each engine's default.
 * - Each engine runs in its own process, one at a time, alternating A B A B (--runs, default 3); the
 *   median run counts. events/s = N / wall time from job submission to job end (start-up excluded;
 *   both runners print a `started` line at submission). CPU seconds are the process's user + system
 *   time between those two lines, and RSS its peak (VmHWM), both read by this driver from /proc while
 *   the runner holds before exiting.
 * - --verify (default 1M events, q5 q7 q8 q11): both engines write their rows as JSON lines (Flink its
 *   `_verify` query variants where Bicycle's columns differ, Bicycle `bicycle sql --format json`), and
 *   the sorted outputs must be identical; the command exits 1 if any differ.
 *
 * Results: a table on stdout, the raw numbers as JSON in bench/results/ (vs-flink-<time>.json and
 * vs-flink-latest.json) and a bar chart, bench/results/vs-flink.svg.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { NEXMARK_QUERIES } from "./nexmark-jobs.ts";
import { barChartSvg } from "./vs-flink/chart.ts";
import { cpuSeconds, machineDescription, peakRssBytes } from "./vs-flink/proc-stats.ts";
import { formatRate, median } from "./stats.ts";

const ROOT = resolve(import.meta.dir, "..");
const FLINK_DIR = join(ROOT, "bench/flink");
const FLINK_JAR = join(FLINK_DIR, "target/bicycle-flink-nexmark.jar");
const RESULTS = join(ROOT, "bench/results");
const VERIFY_QUERIES = ["q5", "q7", "q8", "q11"];
/** The compass targets of issue 8 (ratio Bicycle / Flink); reported, never asserted. */
const TARGET: Readonly<Record<string, number>> = { q0: 1.5, q1: 1.5, q2: 1.5, q5: 2, q7: 2, q8: 2, q11: 2 };
const RUN_TIMEOUT_MS = 30 * 60_000;

const { values } = parseArgs({
  options: {
    queries: { type: "string" },
    events: { type: "string" },
    parallelism: { type: "string" },
    runs: { type: "string", default: "3" },
    state: { type: "string", default: "heap" },
    "checkpoint-interval-ms": { type: "string", default: "10000" },
    verify: { type: "boolean", default: false },
    "skip-build": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

function usage(code: number): never {
  (code === 0 ? console.log : console.error)(
    [
      "usage: bun run bench:vs-flink [--queries q0,q5] [--events N] [--parallelism 1,2] [--runs 3] [--state heap,rocksdb]",
      "                              [--checkpoint-interval-ms 10000] [--verify] [--skip-build]",
      "  --verify   compare q5, q7, q8, q11 outputs of both engines (default 1M events, parallelism 2); exit 1 if they differ",
    ].join("\n"),
  );
  process.exit(code);
}
if (values.help) usage(0);

function fail(message: string): never {
  console.error(`bench:vs-flink: ${message}`);
  process.exit(1);
}

const wholeNumber = (s: string): number => Number(s.replaceAll("_", "").replaceAll(",", ""));
const list = (s: string): string[] => s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
const VERIFY = values.verify === true;
const QUERIES = list(values.queries ?? (VERIFY ? VERIFY_QUERIES.join(",") : NEXMARK_QUERIES.join(",")));
const EVENTS = wholeNumber(values.events ?? (VERIFY ? "1000000" : "10000000"));
const PARALLELISMS = list(values.parallelism ?? (VERIFY ? "2" : "1,2")).map(Number);
const RUNS = Number(values.runs);
const STATES = list(values.state!);
const CHECKPOINT_MS = Number(values["checkpoint-interval-ms"]);
const unknownQueries = QUERIES.filter((q) => !(NEXMARK_QUERIES as readonly string[]).includes(q));
if (unknownQueries.length > 0) fail(`unknown queries ${unknownQueries.join(", ")} (have ${NEXMARK_QUERIES.join(", ")})`);
if (!Number.isInteger(EVENTS) || EVENTS < 1) fail("--events must be a positive integer");
if (PARALLELISMS.some((p) => !Number.isInteger(p) || p < 1)) fail("--parallelism must be positive integers");
if (!Number.isInteger(RUNS) || RUNS < 1) fail("--runs must be a positive integer");
if (STATES.some((s) => s !== "heap" && s !== "rocksdb")) fail("--state takes heap and/or rocksdb");
if (!Number.isInteger(CHECKPOINT_MS) || CHECKPOINT_MS < 0) fail("--checkpoint-interval-ms must be a whole number");

const mib = (b: number): string => `${Math.round(b / 1024 / 1024)}`;

// ---- the Flink jar ----

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureFlinkJar(): void {
  if (Bun.which("java") === null) fail("java is not on PATH (Java 17 runs the Flink side)");
  const stale = !existsSync(FLINK_JAR) || Math.max(newestMtime(join(FLINK_DIR, "src")), statSync(join(FLINK_DIR, "pom.xml")).mtimeMs) > statSync(FLINK_JAR).mtimeMs;
  if (!stale) return;
  if (values["skip-build"]) fail(`${FLINK_JAR} is missing or older than its sources (drop --skip-build)`);
  if (Bun.which("mvn") === null) fail("mvn is not on PATH (Maven builds the Flink side)");
  console.error("building bench/flink with Maven (once; later runs reuse the jar)...");
  const built = Bun.spawnSync(["mvn", "-q", "-B", "package", "-DskipTests"], { cwd: FLINK_DIR, stdout: "inherit", stderr: "inherit" });
  if (built.exitCode !== 0 || !existsSync(FLINK_JAR)) fail("the Maven build of bench/flink failed");
}

const JVM_FLAGS = (): string[] => list(readFileSync(join(FLINK_DIR, "jvm-flags.txt"), "utf8").replaceAll("\n", ","));
const FLINK_VERSION = /<flink\.version>([^<]+)<\/flink\.version>/.exec(readFileSync(join(FLINK_DIR, "pom.xml"), "utf8"))?.[1] ?? "?";

/** Flink's MiniCluster leaves its RPC jar and blob directories in java.io.tmpdir: one directory for all runs, removed at exit. */
const FLINK_TMP = mkdtempSync(join(tmpdir(), "bicycle-vs-flink-jvm-"));
process.on("exit", () => rmSync(FLINK_TMP, { recursive: true, force: true }));

function flinkCommand(query: string, parallelism: number, state: string, extra: string[]): string[] {
  return ["java", ...JVM_FLAGS(), `-Djava.io.tmpdir=${FLINK_TMP}`, "-jar", FLINK_JAR, "--query", query, "--events", String(EVENTS), "--parallelism", String(parallelism), "--state", state === "heap" ? "hashmap" : "rocksdb", "--checkpoint-interval-ms", String(CHECKPOINT_MS), ...extra];
}

function bicycleCommand(query: string, parallelism: number, state: string): string[] {
  return [process.execPath, join(ROOT, "bench/vs-flink/bicycle-runner.ts"), "--query", query, "--events", String(EVENTS), "--parallelism", String(parallelism), "--state", state === "heap" ? "memory" : "rocksdb", "--checkpoint-interval-ms", String(CHECKPOINT_MS)];
}

// ---- one measured run ----

interface Run {
  readonly eventsPerSecond: number;
  readonly runMs: number;
  readonly startupMs: number;
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
}

/** Spawns a runner with --hold, samples /proc at its `started` and result lines, then lets it exit. */
async function measure(command: string[], logFile: string): Promise<Run> {
  const proc = Bun.spawn([...command, "--hold"], { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: Bun.file(logFile), env: { ...process.env, BICYCLE_LOG: "warn" } });
  const timer = setTimeout(() => proc.kill("SIGKILL"), RUN_TIMEOUT_MS);
  let cpuAtStart: number | undefined;
  let result: (Record<string, unknown> & { runMs: number; startupMs: number; eventsPerSecond: number }) | undefined;
  let cpuAtEnd = 0;
  let rss = 0;
  let buffered = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of proc.stdout) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith("{")) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.event === "started") cpuAtStart = cpuSeconds(proc.pid);
        else if (typeof msg.runMs === "number") {
          cpuAtEnd = cpuSeconds(proc.pid);
          rss = peakRssBytes(proc.pid);
          result = msg as typeof result;
          proc.stdin.end();
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
  const code = await proc.exited;
  if (result === undefined || cpuAtStart === undefined || code !== 0) {
    const tail = existsSync(logFile) ? readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join(" | ") : "";
    throw new Error(`${command[0] === "java" ? "flink" : "bicycle"} run failed (exit ${code}): ${tail}`);
  }
  return { eventsPerSecond: result.eventsPerSecond, runMs: result.runMs, startupMs: result.startupMs, cpuSeconds: cpuAtEnd - cpuAtStart, peakRssBytes: rss };
}

// ---- speed mode ----

interface Row {
  readonly query: string;
  readonly parallelism: number;
  readonly state: string;
  readonly bicycle: Run[];
  readonly flink: Run[];
  error?: string;
}

const summary = (runs: readonly Run[]) => ({
  eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
  cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
  peakRssBytes: median(runs.map((r) => r.peakRssBytes)),
  startupMs: median(runs.map((r) => r.startupMs)),
});

async function speed(): Promise<void> {
  const logs = mkdtempSync(join(tmpdir(), "bicycle-vs-flink-logs-"));
  const rows: Row[] = [];
  const started = new Date();
  for (const state of STATES)
    for (const parallelism of PARALLELISMS)
      for (const query of QUERIES) {
        const row: Row = { query, parallelism, state, bicycle: [], flink: [] };
        rows.push(row);
        try {
          for (let i = 1; i <= RUNS; i++) {
            // A B A B ...: Bicycle, then Flink, each run.
            const b = await measure(bicycleCommand(query, parallelism, state), join(logs, `bicycle-${query}-p${parallelism}-${state}-${i}.log`));
            row.bicycle.push(b);
            const f = await measure(flinkCommand(query, parallelism, state, []), join(logs, `flink-${query}-p${parallelism}-${state}-${i}.log`));
            row.flink.push(f);
            console.error(`${query} p=${parallelism} ${state} run ${i}/${RUNS}: Bicycle ${formatRate(b.eventsPerSecond)}/s, Flink ${formatRate(f.eventsPerSecond)}/s`);
          }
        } catch (error) {
          row.error = error instanceof Error ? error.message : String(error);
          console.error(`${query} p=${parallelism} ${state}: ${row.error}`);
        }
      }

  const machine = machineDescription();
  const header = ["query", "p", "state", "Bicycle ev/s", "Flink ev/s", "ratio", "target", "CPU s B / F", "RSS MiB B / F"];
  const table: string[][] = [];
  for (const r of rows) {
    if (r.error !== undefined || r.bicycle.length === 0 || r.flink.length === 0) {
      table.push([r.query, String(r.parallelism), r.state, "-", "-", "-", "-", "-", r.error ?? "no runs"]);
      continue;
    }
    const b = summary(r.bicycle);
    const f = summary(r.flink);
    const ratio = b.eventsPerSecond / f.eventsPerSecond;
    const target = TARGET[r.query] ?? 1;
    table.push([r.query, String(r.parallelism), r.state, formatRate(b.eventsPerSecond), formatRate(f.eventsPerSecond), `${ratio.toFixed(2)}x`, `${target}x ${ratio >= target ? "met" : "not met"}`, `${b.cpuSeconds.toFixed(1)} / ${f.cpuSeconds.toFixed(1)}`, `${mib(b.peakRssBytes)} / ${mib(f.peakRssBytes)}`]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  console.log("");
  console.log(`Nexmark, ${EVENTS.toLocaleString("en-US")} events, median of ${RUNS} alternating runs, checkpoints every ${CHECKPOINT_MS / 1000} s exactly-once`);
  console.log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Bun ${Bun.version}; Apache Flink ${FLINK_VERSION} on ${javaVersion()}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of table) console.log(line(row));

  mkdirSync(RESULTS, { recursive: true });
  const report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    bun: Bun.version,
    flink: FLINK_VERSION,
    java: javaVersion(),
    settings: { events: EVENTS, runs: RUNS, checkpointIntervalMs: CHECKPOINT_MS, checkpointing: "exactly-once, aligned", sink: "blackhole" },
    results: rows.map((r) => ({ ...r, ...(r.bicycle.length > 0 && r.flink.length > 0 ? { median: { bicycle: summary(r.bicycle), flink: summary(r.flink) } } : {}) })),
  };
  const stamp = started.toISOString().replaceAll(":", "-").replace(/\.\d+Z$/, "Z");
  writeFileSync(join(RESULTS, `vs-flink-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, "vs-flink-latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  const chartRows = rows
    .filter((r) => r.bicycle.length > 0 && r.flink.length > 0 && r.error === undefined)
    .map((r) => ({ label: `${r.query} p${r.parallelism}${STATES.length > 1 || r.state !== "heap" ? ` ${r.state}` : ""}`, bicycle: summary(r.bicycle).eventsPerSecond, flink: summary(r.flink).eventsPerSecond }));
  writeFileSync(
    join(RESULTS, "vs-flink.svg"),
    barChartSvg(chartRows, `Nexmark events/s: Bicycle vs Apache Flink ${FLINK_VERSION} (same machine, same run)`, `${EVENTS.toLocaleString("en-US")} events, median of ${RUNS}; ${machine.cpu}, ${machine.cores} cores; ${started.toISOString().slice(0, 10)}`),
  );
  console.log(`\nraw numbers: bench/results/vs-flink-${stamp}.json (and vs-flink-latest.json); chart: bench/results/vs-flink.svg; runner logs: ${logs}`);
  if (rows.some((r) => r.error !== undefined)) process.exit(1);
}

function javaVersion(): string {
  const out = Bun.spawnSync(["java", "-version"]).stderr.toString();
  return /version "([^"]+)"/.exec(out)?.[0]?.replace("version ", "Java ").replaceAll('"', "") ?? "Java ?";
}

// ---- verify mode ----

async function runToFile(command: string[], stdoutFile: string | null, logFile: string): Promise<void> {
  const proc = Bun.spawn(command, { cwd: ROOT, stdin: "ignore", stdout: stdoutFile === null ? "ignore" : Bun.file(stdoutFile), stderr: Bun.file(logFile), env: { ...process.env, BICYCLE_LOG: "warn" } });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${command.slice(0, 3).join(" ")} ... exited ${code}: ${readFileSync(logFile, "utf8").trim().split("\n").slice(-3).join(" | ")}`);
}

const sortedLines = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter((l) => l.trim().length > 0).sort();

async function verify(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bicycle-vs-flink-verify-"));
  let differences = 0;
  console.log(`verify: ${EVENTS.toLocaleString("en-US")} events; rows of each query sorted and compared line by line`);
  for (const parallelism of PARALLELISMS)
    for (const query of QUERIES) {
      const flinkOut = join(dir, `${query}-p${parallelism}.flink.jsonl`);
      const bicycleOut = join(dir, `${query}-p${parallelism}.bicycle.jsonl`);
      await runToFile(flinkCommand(query, parallelism, "heap", ["--sink", "file", "--variant", "verify", "--out", flinkOut]), null, join(dir, `${query}-p${parallelism}.flink.log`));
      await runToFile(
        [process.execPath, join(ROOT, "src/cli/main.ts"), "sql", "-f", join(ROOT, "examples/nexmark", `${query}.sql`), "--events", String(EVENTS), "-p", String(parallelism), "--format", "json"],
        bicycleOut,
        join(dir, `${query}-p${parallelism}.bicycle.log`),
      );
      const f = sortedLines(flinkOut);
      const b = sortedLines(bicycleOut);
      const inFlink = new Set(f);
      const inBicycle = new Set(b);
      const onlyFlink = f.filter((l) => !inBicycle.has(l));
      const onlyBicycle = b.filter((l) => !inFlink.has(l));
      const same = f.length === b.length && f.every((l, i) => l === b[i]);
      if (same && f.length > 0) console.log(`${query} p=${parallelism}: identical (${f.length} rows)`);
      else {
        differences++;
        console.log(`${query} p=${parallelism}: ${f.length === 0 && b.length === 0 ? "NO ROWS from either engine" : "DIFFERENT"} (Flink ${f.length} rows, Bicycle ${b.length}; ${onlyFlink.length} only in Flink, ${onlyBicycle.length} only in Bicycle)`);
        for (const l of onlyFlink.slice(0, 3)) console.log(`  flink only:   ${l}`);
        for (const l of onlyBicycle.slice(0, 3)) console.log(`  bicycle only: ${l}`);
      }
    }
  if (differences > 0) {
    console.log(`outputs kept in ${dir}`);
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log("all outputs identical");
}

ensureFlinkJar();
await (VERIFY ? verify() : speed());
