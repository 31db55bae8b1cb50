/**
 * REST contract tests: a MiniCluster (JobManager + one worker with slot threads) and the web app on a
 * free port. A SQL job is submitted through POST /api/jobs; every endpoint's status code is checked and
 * its body validated against its schema in src/web/schemas.ts; bad bodies get 400 with field errors,
 * unknown ids 404, oversized bodies 413; savepoints land under the configured directory; /metrics is
 * Prometheus text with the task counters; /openapi lists exactly the app's routes. A TypeScript job
 * bundled as `bicycle submit` bundles it, uploaded as multipart/form-data, runs its functions to the end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { z } from "zod";
import { MiniCluster } from "../../src/cluster/index.ts";
import { bundleJobFile, defineJob } from "../../src/cli/job-bundle.ts";
import { slotThreadEntry } from "../../src/cli/slot-entry.ts";
import { planSqlForWeb } from "../../src/cli/web-sql.ts";
import { createWebApp, MAX_JSON_BODY, openApiPath, schemas, type WebApp } from "../../src/web/index.ts";
import { until } from "../cluster/helpers.ts";
import { httpCall } from "../helpers/http.ts";

const dir = mkdtempSync(join(tmpdir(), "bicycle-web-rest-"));
const savepointDir = join(dir, "savepoints");
let cluster: MiniCluster;
let app: WebApp;
let base = "";
let jobId = "";

const SQL = `CREATE TABLE gen (k INT, v BIGINT) WITH ('connector'='datagen','number-of-rows'='100000000','rows-per-second'='200','fields.k.kind'='random','fields.k.min'='0','fields.k.max'='9');
CREATE TABLE out_t (k INT, c BIGINT) WITH ('connector'='blackhole');
SET 'execution.checkpointing.interval' = '300ms';
INSERT INTO out_t SELECT k, COUNT(*) AS c FROM gen GROUP BY k;`;

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => httpCall(base, method, path, body, headers);

/** `path` answers `status` with a body matching `schema`. */
async function expectShape<S extends z.ZodType>(method: string, path: string, status: number, schema: S, body?: unknown): Promise<z.output<S>> {
  const r = await call(method, path, body);
  if (r.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${r.status}: ${r.text}`);
  const parsed = schema.safeParse(r.json);
  if (!parsed.success) throw new Error(`${method} ${path}: body does not match its schema: ${parsed.error.message}\n${r.text}`);
  return parsed.data;
}

beforeAll(async () => {
  cluster = await MiniCluster.start({ slotsPerWorker: 4, slotEntry: slotThreadEntry(), checkpointDir: join(dir, "checkpoints") });
  app = createWebApp(cluster.gateway, { planSql: planSqlForWeb, savepointDir, version: "test" }).listen({ hostname: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${app.server!.port}`;
  const submitted = await expectShape("POST", "/api/jobs", 201, schemas.SubmitResponse, { name: "counts", parallelism: 2, sql: SQL });
  jobId = submitted.jobId;
  // Running, records flowing and a checkpoint taken, so every endpoint has something to show.
  await until(async () => {
    const j = await cluster.gateway.getJob({ jobId: jobId as never });
    return j.summary.status === "running" && j.tasks.some((t) => t.recordsOut > 0) && j.checkpoints.length > 0;
  }, "the job running with records and a checkpoint");
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("read endpoints", () => {
  test("GET /health", async () => {
    expect((await expectShape("GET", "/health", 200, schemas.HealthResponse)).status).toBe("ok");
  });

  test("GET /api/cluster and /api/cluster/workers", async () => {
    const c = await expectShape("GET", "/api/cluster", 200, schemas.ClusterResponse);
    expect(c.workers).toBe(1);
    expect(c.totalSlots).toBe(4);
    expect(c.runningJobs).toBe(1);
    const w = await expectShape("GET", "/api/cluster/workers", 200, schemas.WorkersResponse);
    expect(w.workers.map((x) => x.slots)).toEqual([4]);
  });

  test("GET /api/jobs and /api/jobs/:id", async () => {
    const list = await expectShape("GET", "/api/jobs", 200, schemas.JobsResponse);
    expect(list.jobs.map((j) => j.jobId)).toContain(jobId);
    const job = await expectShape("GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse);
    expect(job).toMatchObject({ jobId, name: "counts", status: "running", parallelism: 2 });
    expect(job.tasks).toBe(job.taskDetails.length);
    expect(job.recordsIn).toBeGreaterThan(0);
  });

  test("GET /api/jobs/:id/tasks, checkpoints and plan", async () => {
    const tasks = await expectShape("GET", `/api/jobs/${jobId}/tasks`, 200, schemas.TasksResponse);
    expect(tasks.tasks.length).toBeGreaterThan(0);
    const cps = await expectShape("GET", `/api/jobs/${jobId}/checkpoints`, 200, schemas.CheckpointsResponse);
    expect(cps.counts.completed).toBeGreaterThan(0);
    expect(cps.history[0]!.sizeBytes).toBeGreaterThan(0);
    const plan = await expectShape("GET", `/api/jobs/${jobId}/plan`, 200, schemas.PlanResponse);
    expect(plan.vertices.length).toBeGreaterThanOrEqual(2);
    expect(plan.vertices.every((v) => v.parallelism === 2 && v.operators.length > 0)).toBe(true);
    expect(plan.edges.some((e) => e.partitioning === "hash")).toBe(true);
    // Every task belongs to a vertex of the plan.
    const vertices = new Set(plan.vertices.map((v) => v.id));
    expect(tasks.tasks.every((t) => vertices.has(t.vertexId))).toBe(true);
  });

  test("GET /api/metrics", async () => {
    const m = await expectShape("GET", "/api/metrics", 200, schemas.MetricsResponse);
    expect(m.jobs.map((j) => j.jobId)).toEqual([jobId]);
    expect(m.workers).toHaveLength(1);
  });
});

describe("errors", () => {
  test("unknown ids are 404, malformed ids 400, unknown routes 404", async () => {
    for (const path of ["", "/tasks", "/checkpoints", "/plan"]) await expectShape("GET", `/api/jobs/ffffffffffffffffffffffffffffffff${path}`, 404, schemas.ErrorResponse);
    await expectShape("DELETE", "/api/jobs/ffffffffffffffffffffffffffffffff", 404, schemas.ErrorResponse);
    await expectShape("POST", "/api/jobs/ffffffffffffffffffffffffffffffff/savepoints", 404, schemas.ErrorResponse, {});
    await expectShape("GET", `/api/jobs/${encodeURIComponent("../etc")}`, 400, schemas.ErrorResponse);
    await expectShape("GET", "/api/nothing", 404, schemas.ErrorResponse);
  });

  test("invalid bodies are 400 with the field errors, no stack traces", async () => {
    const e = await expectShape("POST", "/api/jobs", 400, schemas.ErrorResponse, { name: "", parallelism: 0 });
    expect(Object.keys(e.fields ?? {}).sort()).toEqual(["name", "parallelism", "sql"]);
    const extra = await expectShape("POST", "/api/jobs", 400, schemas.ErrorResponse, { name: "x", parallelism: 1, sql: "SELECT 1", path: "/etc" });
    expect(extra.fields).toBeDefined();
    const bad = await expectShape("POST", "/api/jobs", 400, schemas.ErrorResponse, "{not json");
    expect(bad.error).toContain("JSON");
    const sql = await expectShape("POST", "/api/jobs", 400, schemas.ErrorResponse, { name: "x", parallelism: 1, sql: "SELEC nonsense" });
    expect(sql.fields?.sql).toBeDefined();
    expect(JSON.stringify(sql)).not.toContain("    at ");
    // A savepoint body naming a directory is refused: paths never come from the request.
    const sp = await expectShape("POST", `/api/jobs/${jobId}/savepoints`, 400, schemas.ErrorResponse, { targetDir: "/tmp/x" });
    expect(Object.keys(sp.fields ?? {})).toEqual(["(body)"]);
    // Multipart without the bundle file.
    const form = new FormData();
    form.set("name", "ts-job");
    form.set("parallelism", "1");
    form.set("plan", "{}");
    const r = await fetch(`${base}/api/jobs`, { method: "POST", body: form });
    expect(r.status).toBe(400);
    expect(schemas.ErrorResponse.parse(await r.json()).fields).toHaveProperty("bundle");
  });

  test("an oversized body is 413", async () => {
    const big = JSON.stringify({ name: "x", parallelism: 1, sql: "x".repeat(MAX_JSON_BODY + 10) });
    await expectShape("POST", "/api/jobs", 413, schemas.ErrorResponse, big);
    // Streamed without a Content-Length: counted while read.
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_JSON_BODY * 2) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const r = await fetch(`${base}/api/jobs`, { method: "POST", body: stream, headers: { "content-type": "application/json" } });
    expect(r.status).toBe(413);
    schemas.ErrorResponse.parse(await r.json());
  });

  test("an unsupported media type is 415", async () => {
    const r = await call("POST", "/api/jobs", "name=x", { "content-type": "text/plain" });
    expect(r.status).toBe(415);
    schemas.ErrorResponse.parse(r.json);
  });
});

describe("/metrics", () => {
  test("Prometheus text with the task counters and worker slots", async () => {
    const r = await call("GET", "/metrics");
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/plain");
    const samples = new Map<string, number>();
    for (const line of r.text.split("\n")) {
      if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line);
      if (m === null) throw new Error(`not a Prometheus sample line: ${line}`);
      samples.set(`${m[1]}${m[2] ?? ""}`, Number(m[3]));
    }
    const sum = (name: string) => [...samples].filter(([k]) => k.startsWith(`${name}{`) && k.includes(`job_id="${jobId}"`)).reduce((s, [, v]) => s + v, 0);
    expect(sum("bicycle_task_records_out_total")).toBeGreaterThan(0);
    expect(sum("bicycle_task_records_in_total")).toBeGreaterThan(0);
    expect([...samples.keys()].some((k) => k.startsWith("bicycle_task_bytes_out_total{"))).toBe(true);
    expect([...samples.keys()].some((k) => k.startsWith("bicycle_task_backpressure_ratio{"))).toBe(true);
    expect(sum("bicycle_job_checkpoints_total")).toBeGreaterThan(0);
    expect(samples.get("bicycle_cluster_slots")).toBe(4);
    expect([...samples.keys()].some((k) => k.startsWith("bicycle_worker_slots_free{"))).toBe(true);
    expect([...samples.keys()].some((k) => k.startsWith("bicycle_web_process_resident_memory_bytes") || k.startsWith("bicycle_web_process_cpu"))).toBe(true);
  });
});

describe("/openapi", () => {
  test("an OpenAPI 3 document listing exactly the app's routes", async () => {
    const r = await call("GET", "/openapi");
    expect(r.status).toBe(200);
    const doc = r.json as { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { responses: Record<string, unknown>; operationId: string }>> };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title.length).toBeGreaterThan(0);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const served = app.routes.map((route) => `${route.method} ${openApiPath(route.path)}`).sort();
    expect(documented).toEqual(served);
    const ids = new Set<string>();
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) {
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
      }
    expect(JSON.stringify(doc)).not.toContain("$ref");
  });
});

describe("commands", () => {
  test("POST /api/jobs/:id/savepoints writes under the configured directory", async () => {
    const sp = await expectShape("POST", `/api/jobs/${jobId}/savepoints`, 201, schemas.SavepointResponse, {});
    expect(sp.path.startsWith(savepointDir)).toBe(true);
    expect(existsSync(sp.path)).toBe(true);
    const cps = await expectShape("GET", `/api/jobs/${jobId}/checkpoints`, 200, schemas.CheckpointsResponse);
    expect(cps.counts.savepoints).toBe(1);
  }, 30_000);

  test("DELETE /api/jobs/:id cancels the job", async () => {
    const c = await expectShape("DELETE", `/api/jobs/${jobId}`, 202, schemas.CancelResponse);
    expect(["cancelling", "cancelled"]).toContain(c.status);
    await until(async () => (await expectShape("GET", `/api/jobs/${jobId}`, 200, schemas.JobResponse)).status === "cancelled", "the job cancelled", 20_000);
  }, 30_000);
});

describe("TypeScript bundles", () => {
  test("POST /api/jobs with an uploaded TS bundle runs the job", async () => {
    const N = 5000;
    const file = join(dir, "evens.ts");
    writeFileSync(
      file,
      `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(${N}, (i) => ({ i }))
    .filter((e) => e.i % 2 === 0)
    .map((e) => ({ half: e.i / 2 }))
    .discard();
}
`,
    );
    // What `bicycle submit` sends: the plan built here and the module bundled with Bun.build.
    const definition = await defineJob(file, { parallelism: 1 }, "evens");
    const bundle = await bundleJobFile(file);
    const form = new FormData();
    form.set("name", "evens");
    form.set("parallelism", "1");
    form.set("plan", JSON.stringify(definition.plan));
    form.set("bundle", new Blob([bundle], { type: "application/javascript" }), "evens.js");
    const r = await fetch(`${base}/api/jobs`, { method: "POST", body: form });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`POST /api/jobs (multipart): expected 201, got ${r.status}: ${text}`);
    const { jobId: bundled } = schemas.SubmitResponse.parse(JSON.parse(text));
    expect(bundled).toMatch(/^[0-9a-f]{32}$/);
    expect(bundled).not.toBe(jobId);

    let job = await expectShape("GET", `/api/jobs/${bundled}`, 200, schemas.JobResponse);
    await until(async () => {
      job = await expectShape("GET", `/api/jobs/${bundled}`, 200, schemas.JobResponse);
      if (job.status === "failed") throw new Error(`the bundled job failed: ${job.failure}`);
      return job.status === "finished";
    }, "the bundled job to finish");
    expect(job).toMatchObject({ jobId: bundled, name: "evens", parallelism: 1, status: "finished", recordsIn: N, recordsOut: N / 2 });
    const details = await cluster.gateway.getJob({ jobId: bundled as never });
    expect(details.planJson).toBe(JSON.stringify(definition.plan));
  }, 60_000);
});
