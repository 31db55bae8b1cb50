/**
 * The REST API served by real processes: `bicycle webui` in front of a process cluster (JobManager and a
 * 2-slot worker), the same `webui` in front of an address nobody listens on, and `bicycle jobmanager
 * --web` serving the API over its own gateway. A paced SQL job is submitted through POST /api/jobs and
 * followed through the API: it runs, its task counters reach the Prometheus text, a savepoint lands on
 * disk under the configured directory, and DELETE cancels it. Without a JobManager, /health still
 * answers and /api/cluster is a 503 naming the address.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { schemas } from "../src/web/index.ts";
import { until } from "./cluster/helpers.ts";
import { httpCall } from "./helpers/http.ts";
import { freePort, ProcessCluster } from "./cluster/process-cluster.ts";

const ROOT = resolve(import.meta.dir, "..");
const MAIN = join(ROOT, "src/cli/main.ts");
const dir = mkdtempSync(join(tmpdir(), "bicycle-cli-web-"));
const processes: Subprocess[] = [];

/** A SQL job that runs until cancelled: 200 rows/s from a generator into a blackhole. */
const SQL = `CREATE TABLE gen (k INT, v BIGINT) WITH ('connector'='datagen','number-of-rows'='100000000','rows-per-second'='200','fields.k.kind'='random','fields.k.min'='0','fields.k.max'='9');
CREATE TABLE out_t (k INT, c BIGINT) WITH ('connector'='blackhole');
SET 'execution.checkpointing.interval' = '300ms';
INSERT INTO out_t SELECT k, COUNT(*) AS c FROM gen GROUP BY k;`;

/** Spawn `bicycle ARGS` with its output in log files under the test's directory. */
function spawn(name: string, args: string[]): Subprocess {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, BICYCLE_LOG: process.env.BICYCLE_LOG ?? "info" },
    stdout: Bun.file(join(dir, `${name}.out.log`)),
    stderr: Bun.file(join(dir, `${name}.log`)),
    stdin: "ignore",
  });
  processes.push(proc);
  return proc;
}

/** Start `bicycle webui` on a free port in front of `jobmanager`; resolves with its base URL once /health answers. */
async function startWebUi(name: string, jobmanager: string, savepointDir: string): Promise<string> {
  const port = freePort();
  spawn(name, ["webui", "--bind", `127.0.0.1:${port}`, "--jobmanager", jobmanager, "--savepoint-dir", savepointDir]);
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/health`).catch(() => null))?.ok === true, `${name} to answer`);
  return base;
}


/** `method path` answers `status`; returns the body parsed with `schema`. */
async function expectReply<T>(base: string, method: string, path: string, status: number, schema: { parse(v: unknown): T }, body?: unknown): Promise<T> {
  const r = await httpCall(base, method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status}: ${r.text}`);
  return schema.parse(r.json);
}

/** Sum of the Prometheus samples of `metric` labelled with `jobId`. */
function promSum(text: string, metric: string, jobId: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (m !== null && m[1] === metric && m[2]!.includes(`job_id="${jobId}"`)) sum += Number(m[3]);
  }
  return sum;
}

afterAll(async () => {
  for (const proc of processes) proc.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

describe("bicycle webui in front of a process cluster", () => {
  const cluster = new ProcessCluster({ dir: join(dir, "cluster") });
  const savepointDir = join(dir, "webui-savepoints");
  let base = "";
  let jobId = "";

  beforeAll(async () => {
    mkdirSync(join(dir, "cluster"));
    await cluster.startJobManager();
    await cluster.startWorker("w1", 2);
    base = await startWebUi("webui", cluster.jobManagerAddress, savepointDir);
  }, 90_000);

  afterAll(async () => {
    await cluster.stop();
  });

  test("GET /health answers ok", async () => {
    expect((await expectReply(base, "GET", "/health", 200, schemas.HealthResponse)).status).toBe("ok");
  });

  test("GET /api/cluster shows the worker and its slots", async () => {
    const c = await expectReply(base, "GET", "/api/cluster", 200, schemas.ClusterResponse);
    expect(c).toMatchObject({ workers: 1, totalSlots: 2, runningJobs: 0 });
    const overview = await cluster.client.clusterOverview();
    expect(c.totalSlots).toBe(overview.totalSlots);
  });

  test("POST /api/jobs submits the SQL job and it runs", async () => {
    jobId = (await expectReply(base, "POST", "/api/jobs", 201, schemas.SubmitResponse, { name: "paced", parallelism: 1, sql: SQL })).jobId;
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    await until(async () => (await expectReply(base, "GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse)).status === "running", "the job running");
    const job = await expectReply(base, "GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse);
    expect(job).toMatchObject({ jobId, name: "paced", parallelism: 1, status: "running" });
    expect((await cluster.client.getJob({ jobId: jobId as never })).summary.name).toBe("paced");
  }, 60_000);

  test("GET /metrics counts the job's records per task", async () => {
    let text = "";
    await until(async () => {
      const r = await httpCall(base, "GET", "/metrics");
      expect(r.status).toBe(200);
      expect(r.type).toContain("text/plain");
      text = r.text;
      return promSum(text, "bicycle_task_records_out_total", jobId) > 0 && promSum(text, "bicycle_task_records_in_total", jobId) > 0;
    }, "records in the Prometheus text");
    expect(text).toMatch(new RegExp(`^bicycle_task_records_in_total\\{[^}]*job_id="${jobId}"[^}]*\\} [1-9]\\d*$`, "m"));
    expect(text).toMatch(/^bicycle_cluster_slots 2$/m);
  }, 60_000);

  test("POST /api/jobs/:id/savepoints writes a savepoint under --savepoint-dir", async () => {
    const sp = await expectReply(base, "POST", `/api/jobs/${jobId}/savepoints`, 201, schemas.SavepointResponse, {});
    expect(sp).toMatchObject({ jobId, stopped: false });
    expect(sp.checkpointId).toBeGreaterThan(0);
    expect(sp.path.startsWith(savepointDir)).toBe(true);
    expect(existsSync(sp.path)).toBe(true);
  }, 60_000);

  test("DELETE /api/jobs/:id cancels the job", async () => {
    const c = await expectReply(base, "DELETE", `/api/jobs/${jobId}`, 202, schemas.CancelResponse);
    expect(c.jobId).toBe(jobId);
    expect(["cancelling", "cancelled"]).toContain(c.status);
    await until(async () => (await expectReply(base, "GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse)).status === "cancelled", "the job cancelled");
    expect((await cluster.client.getJob({ jobId: jobId as never })).summary.status).toBe("cancelled");
  }, 60_000);
});

describe("bicycle webui without a JobManager", () => {
  const address = `127.0.0.1:${freePort()}`;
  let base = "";

  beforeAll(async () => {
    base = await startWebUi("webui-unreachable", address, join(dir, "unused-savepoints"));
  }, 60_000);

  test("GET /health still answers", async () => {
    expect((await expectReply(base, "GET", "/health", 200, schemas.HealthResponse)).status).toBe("ok");
  });

  test("GET /api/cluster is a 503 naming the unreachable JobManager", async () => {
    const r = await httpCall(base, "GET", "/api/cluster");
    expect(r.status).toBe(503);
    expect(r.type).toContain("application/json");
    const body = schemas.ErrorResponse.parse(r.json);
    expect(body.error).toBe(`control-plane call ClusterOverview to ${address} failed: UNAVAILABLE: connection refused`);
    // Every route that needs the JobManager answers the same way.
    for (const path of ["/api/jobs", "/api/metrics"]) {
      const other = await httpCall(base, "GET", path);
      expect(`${path} ${other.status}`).toBe(`${path} 503`);
      expect(schemas.ErrorResponse.parse(other.json).error).toContain(address);
    }
  }, 30_000);
});

describe("bicycle jobmanager --web", () => {
  const port = freePort();
  const webPort = freePort();
  const checkpointDir = join(dir, "jm-checkpoints");
  const base = `http://127.0.0.1:${webPort}`;
  let jobId = "";

  beforeAll(async () => {
    spawn("jm-web", ["jobmanager", "--bind", `127.0.0.1:${port}`, "--checkpoint-dir", checkpointDir, "--web", `127.0.0.1:${webPort}`]);
    spawn("jm-web-worker", ["worker", "--jobmanager", `127.0.0.1:${port}`, "--slots", "2", "--bind", "127.0.0.1:0", "--rpc-bind", "127.0.0.1:0", "--state-dir", join(dir, "jm-web-worker")]);
    await until(async () => {
      const r = await fetch(`${base}/api/cluster`).catch(() => null);
      return r?.ok === true && ((await r.json()) as { totalSlots: number }).totalSlots === 2;
    }, "the JobManager's web server to count the worker's slots");
  }, 90_000);

  test("GET /api/cluster shows the worker's 2 slots", async () => {
    const c = await expectReply(base, "GET", "/api/cluster", 200, schemas.ClusterResponse);
    expect(c).toMatchObject({ workers: 1, totalSlots: 2, freeSlots: 2, runningJobs: 0 });
  });

  test("a SQL job submitted with POST /api/jobs runs", async () => {
    jobId = (await expectReply(base, "POST", "/api/jobs", 201, schemas.SubmitResponse, { name: "paced", parallelism: 1, sql: SQL })).jobId;
    await until(async () => {
      const job = await expectReply(base, "GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse);
      return job.status === "running" && job.recordsIn > 0;
    }, "the job running with records");
    expect((await expectReply(base, "GET", "/api/cluster", 200, schemas.ClusterResponse)).runningJobs).toBe(1);
  }, 60_000);

  test("POST /api/jobs/:id/savepoints writes under <checkpoint-dir>/savepoints", async () => {
    const sp = await expectReply(base, "POST", `/api/jobs/${jobId}/savepoints`, 201, schemas.SavepointResponse, {});
    expect(sp.jobId).toBe(jobId);
    expect(sp.path.startsWith(join(checkpointDir, "savepoints"))).toBe(true);
    expect(existsSync(sp.path)).toBe(true);
    const c = await expectReply(base, "DELETE", `/api/jobs/${jobId}`, 202, schemas.CancelResponse);
    expect(c.jobId).toBe(jobId);
  }, 60_000);
});
