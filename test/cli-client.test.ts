/**
 * The CLI client commands (status, workers, jobs, job, metrics, savepoint, cancel) against a real
 * cluster of processes: a JobManager and one worker with 2 slots running a rate-limited generator job.
 * Tables must show the values the gRPC client sees, `--json` must parse and agree with it, and errors
 * exit 1 (unknown job id) or 2 (unreachable JobManager) with one line on stderr.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asJobRef, type JobDetails } from "../src/cluster/index.ts";
import { jobTotals } from "../src/cli/job-totals.ts";
import { renderTable } from "../src/cli/table.ts";
import { until, waitForJob } from "./cluster/helpers.ts";
import { runCli } from "./helpers/cli.ts";
import { ProcessCluster } from "./cluster/process-cluster.ts";

const dir = mkdtempSync(join(tmpdir(), "bicycle-cli-client-"));
const cluster = new ProcessCluster({ dir });
let jobId = "";

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { BICYCLE_LOG: "warn", ...env } });

/** Run a client command against the cluster; it must succeed. */
async function ok(args: string[]): Promise<string> {
  const r = await cli([...args, "--jobmanager", cluster.jobManagerAddress]);
  if (r.exitCode !== 0) throw new Error(`bicycle ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

const job = (): Promise<JobDetails> => cluster.client.getJob(asJobRef(jobId));

beforeAll(async () => {
  await cluster.startJobManager();
  await cluster.startWorker("w1", 2);
  const file = join(dir, "ticks.ts");
  writeFileSync(
    file,
    `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(100_000_000, (i) => ({ key: i % 10, i }), { ratePerSecond: 500, batchSize: 10 })
    .setParallelism(1)
    .keyBy((e) => e.key)
    .reduce((a, b) => ({ key: a.key, i: a.i + b.i }))
    .discard();
}
`,
  );
  const r = await cli(["submit", file, "--detached", "-p", "2", "--name", "ticks", "--checkpoint-interval", "300", "--jobmanager", cluster.jobManagerAddress]);
  if (r.exitCode !== 0) throw new Error(`submit exited ${r.exitCode}: ${r.stderr}`);
  jobId = r.stdout.trim();
  await waitForJob(cluster.client, jobId, ["running"]);
  // Records flowing and a checkpoint taken, so every column has something to show.
  await until(async () => {
    const j = await job();
    return jobTotals(j).recordsIn > 0 && j.checkpoints.length > 0;
  }, "records and a checkpoint");
}, 90_000);

afterAll(async () => {
  await cluster.stop();
  if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

describe("table rendering", () => {
  test("columns are padded to the widest cell, numbers right-aligned, no trailing spaces", () => {
    const out = renderTable([{ header: "ID" }, { header: "N", align: "right" }, { header: "NAME" }], [["a", "1", "x"], ["bbb", "1,000", ""]]);
    expect(out).toBe("ID       N  NAME\na        1  x\nbbb  1,000\n");
  });
});

describe("bicycle client commands against a cluster", () => {
  test("status: workers, slots, running jobs, uptime", async () => {
    const text = await ok(["status"]);
    expect(text).toContain(`JobManager:    ${cluster.jobManagerAddress}`);
    expect(text).toMatch(/Workers:\s+1 alive/);
    expect(text).toMatch(/Slots:\s+0 available \/ 2 total/);
    expect(text).toMatch(/Running jobs:\s+1/);
    expect(text).toMatch(/Uptime:\s+\d/);
    const json = JSON.parse(await ok(["status", "--json"]));
    const overview = await cluster.client.clusterOverview();
    expect(json).toMatchObject({ jobmanager: cluster.jobManagerAddress, workers: 1, aliveWorkers: 1, totalSlots: overview.totalSlots, freeSlots: overview.freeSlots, runningJobs: 1 });
    expect(json.uptimeMs).toBeGreaterThan(0);
  }, 30_000);

  test("workers: one row with slots used/total and status", async () => {
    const lines = (await ok(["workers"])).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+HOST\s+ADDRESS\s+SLOTS\s+CPU\s+MEMORY\s+STATUS\s+LAST HEARTBEAT$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^w1\s+\S+\s+127\.0\.0\.1:\d+\s+2\/2\s.*ALIVE\s+.*ago$/);
    const json = JSON.parse(await ok(["workers", "--json"]));
    const { workers } = await cluster.client.clusterOverview();
    const stable = (w: { workerId: string; host: string; dataPort: number; slots: number; freeSlots: number; status: string; cpuCores: number; hostname: string }) => ({ workerId: w.workerId, host: w.host, dataPort: w.dataPort, slots: w.slots, freeSlots: w.freeSlots, status: w.status, cpuCores: w.cpuCores, hostname: w.hostname });
    expect(json.map(stable)).toEqual(workers.map(stable));
  }, 30_000);

  test("jobs: the running job with its tasks and records", async () => {
    const lines = (await ok(["jobs"])).trimEnd().split("\n");
    expect(lines[0]).toMatch(/^JOB ID\s+NAME\s+STATE\s+TASKS\s+RECORDS IN\s+RECORDS OUT\s+START\s+DURATION$/);
    const details = await job();
    expect(lines[1]).toMatch(new RegExp(`^${jobId}\\s+ticks\\s+RUNNING\\s+${details.tasks.length}\\s+[\\d,]+\\s+[\\d,]+\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\S`));
    const json = JSON.parse(await ok(["jobs", "--json"]));
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ jobId, name: "ticks", status: "running", parallelism: details.summary.parallelism, tasks: details.tasks.length, startTimeMs: details.summary.startTimeMs, restarts: 0 });
    expect(json[0].recordsIn).toBeGreaterThan(0);
  }, 30_000);

  test("job ID (and a unique prefix): summary, tasks, checkpoints; --json is the client's JobDetails", async () => {
    const details = await job();
    for (const id of [jobId, jobId.slice(0, 8)]) {
      const text = await ok(["job", id]);
      expect(text).toContain(`Job:`);
      expect(text).toContain(`ticks (${jobId})`);
      expect(text).toMatch(/State:\s+RUNNING/);
      expect(text).toMatch(/TASK\s+WORKER\s+STATE\s+RECORDS IN\s+RECORDS OUT\s+BYTES IN\s+BYTES OUT\s+BACKPRESSURE/);
      for (const t of details.tasks) expect(text).toMatch(new RegExp(`${t.taskId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+w1\\s+RUNNING`));
      expect(text).toMatch(/Checkpoints\nID\s+KIND\s+COMPLETED\s+DURATION\s+SIZE\s+PATH\n\s*\d+\s+CHECKPOINT/);
    }
    const json = JSON.parse(await ok(["job", jobId, "--json"]));
    expect(json.summary).toEqual({ ...details.summary });
    expect(json.tasks.map((t: { taskId: string; workerId: string; state: string }) => [t.taskId, t.workerId, t.state])).toEqual(details.tasks.map((t) => [t.taskId, t.workerId, t.state]));
    expect(json.planJson).toBe(details.planJson);
    expect(json.checkpoints.length).toBeGreaterThanOrEqual(details.checkpoints.length);
    expect(json.totals).toMatchObject({ jobId, tasks: details.tasks.length });
  }, 30_000);

  test("metrics: per-task counters and backpressure, per-worker CPU and memory", async () => {
    const text = await ok(["metrics"]);
    expect(text).toContain(`Job ticks (${jobId}) RUNNING: records in`);
    expect(text).toMatch(/TASK\s+WORKER\s+RECORDS IN\s+RECORDS OUT\s+BYTES IN\s+BYTES OUT\s+BACKPRESSURE/);
    expect(text).toMatch(/WORKER\s+STATUS\s+SLOTS\s+CPU\s+RSS\nw1\s+ALIVE\s+2\/2/);
    const json = JSON.parse(await ok(["metrics", jobId, "--json"]));
    const details = await job();
    expect(json.jobs).toHaveLength(1);
    expect(json.jobs[0].tasks.map((t: { taskId: string }) => t.taskId)).toEqual(details.tasks.map((t) => t.taskId));
    for (const t of json.jobs[0].tasks) expect(Object.keys(t).sort()).toEqual(["backpressureRatio", "bytesIn", "bytesOut", "recordsIn", "recordsOut", "state", "taskId", "workerId"]);
    expect(json.jobs[0].recordsIn).toBeGreaterThan(0);
    expect(json.workers).toEqual([expect.objectContaining({ workerId: "w1", status: "alive", slots: 2, freeSlots: 0 })]);
  }, 30_000);

  test("savepoint prints a path that exists", async () => {
    const target = join(dir, "sp1");
    const out = (await ok(["savepoint", jobId, "--dir", target])).trim();
    expect(out.split("\n")).toHaveLength(1);
    expect(existsSync(out)).toBe(true);
    expect(out.startsWith(target)).toBe(true);
    const json = JSON.parse(await ok(["savepoint", jobId, "--dir", join(dir, "sp2"), "--json"]));
    expect(json.jobId).toBe(jobId);
    expect(existsSync(json.path)).toBe(true);
    expect(json.checkpointId).toBeGreaterThan(0);
  }, 60_000);

  test("unknown job id: one line, exit 1", async () => {
    for (const args of [["job", "0123456789abcdef0123456789abcdef"], ["cancel", "nope"], ["savepoint", "nope"], ["metrics", "nope"]]) {
      const r = await cli([...args, "--jobmanager", cluster.jobManagerAddress]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([`error: unknown job id '${args[1]}'`]);
    }
  }, 30_000);

  test("cancel moves the job to cancelled", async () => {
    const out = await ok(["cancel", jobId]);
    expect(out.trim()).toBe(`job ticks (${jobId}) cancelled`);
    expect((await job()).summary.status).toBe("cancelled");
    const lines = (await ok(["jobs"])).trimEnd().split("\n");
    expect(lines[1]).toMatch(new RegExp(`^${jobId}\\s+ticks\\s+CANCELLED\\s`));
  }, 60_000);
});

describe("bicycle client commands without a JobManager", () => {
  test("every command exits 2 with one line naming the address", async () => {
    for (const args of [["status"], ["workers"], ["jobs"], ["job", "x"], ["cancel", "x"], ["savepoint", "x"], ["metrics"]]) {
      const r = await cli([...args, "--jobmanager", "127.0.0.1:1"]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual(["error: cannot reach the JobManager at 127.0.0.1:1 (connection refused)"]);
      expect(r.stdout).toBe("");
    }
  }, 60_000);

  test("BICYCLE_JOBMANAGER is the default address", async () => {
    const r = await cli(["status"], { BICYCLE_JOBMANAGER: "127.0.0.1:1" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("127.0.0.1:1");
  }, 30_000);

  test("submit --follow conflicts with --detached", async () => {
    const r = await cli(["submit", "examples/wordcount.ts", "--follow", "--detached", "--jobmanager", "127.0.0.1:1"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("--follow");
  }, 30_000);
});
