/**
 * The cluster code in one process: a JobManager and two workers (in-thread slots, loopback TCP between
 * the workers) run a keyed window job at parallelism 4 and produce exactly the result of an independent
 * computation; checkpoints complete and are recorded; cancel and bad submissions behave.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MiniCluster } from "../../src/cluster/index.ts";
import { StreamEnvironment, TumblingEventTimeWindows, forMonotonousTimestamps } from "../../src/index.ts";
import { rpc } from "../../src/network/index.ts";
import { definitionLoader, waitForJob } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-minicluster-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENTS = 40_000;
const KEYS = 100;
const WINDOW = 1000;
const event = (i: number) => ({ key: (i * 31) % KEYS, ts: i });

function expectedCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const e = event(i);
    const k = `${e.key}@${Math.floor(e.ts / WINDOW) * WINDOW}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

function windowJob(options: { ratePerSecond?: number } = {}) {
  const env = StreamEnvironment.create({ parallelism: 4 });
  const out = env
    .fromGenerator(EVENTS, event, { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), batchSize: 200, ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond } : {}) })
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(WINDOW))
    .count()
    .collect();
  return { definition: env.getJobDefinition("window-count"), out };
}

describe("MiniCluster (2 workers x 2 slots, in-thread slots)", () => {
  test("a keyed window job at parallelism 4 spans both workers and matches the independent count", async () => {
    const { definition, out } = windowJob();
    const cluster = await MiniCluster.start({ workers: 2, slotsPerWorker: 2, checkpointDir: join(root, "a"), loader: definitionLoader(definition) });
    try {
      const { jobId } = await cluster.gateway.submitJob({ name: "window-count", parallelism: 4, planJson: JSON.stringify(definition.plan), optionsJson: "{}" });
      const job = await waitForJob(cluster.gateway, jobId);
      expect(job.failure).toBeUndefined();
      expect(job.summary.status).toBe("finished");
      expect(new Set(job.tasks.map((t) => t.workerId))).toEqual(new Set(["mini-1", "mini-2"]));
      const got = new Map<string, number>();
      for (const r of out.values) {
        const k = `${r.key}@${r.window.start}`;
        expect(got.has(k)).toBe(false);
        got.set(k, r.value);
      }
      expect(got).toEqual(expectedCounts());
    } finally {
      await cluster.stop();
    }
  });

  test("periodic checkpoints complete across workers and are recorded by the JobManager", async () => {
    const { definition } = windowJob({ ratePerSecond: 40_000 });
    const cluster = await MiniCluster.start({ workers: 2, slotsPerWorker: 2, checkpointDir: join(root, "b"), loader: definitionLoader(definition) });
    try {
      const { jobId } = await cluster.gateway.submitJob({
        name: "window-count",
        parallelism: 4,
        planJson: JSON.stringify(definition.plan),
        optionsJson: JSON.stringify({ checkpointInterval: 100 }),
      });
      const job = await waitForJob(cluster.gateway, jobId);
      expect(job.summary.status).toBe("finished");
      expect(job.checkpoints.length).toBeGreaterThan(0);
      expect(job.lastCheckpointId).toBe(job.checkpoints[0]!.checkpointId);
      expect(job.checkpoints[0]!.sizeBytes).toBeGreaterThan(0);
    } finally {
      await cluster.stop();
    }
  });

  test("bad submissions: invalid plan JSON and unknown job ids", async () => {
    const cluster = await MiniCluster.start({ workers: 1, checkpointDir: join(root, "c"), loader: { load: async () => new Map() } });
    try {
      await expect(cluster.gateway.submitJob({ name: "x", parallelism: 1, planJson: "{not json", optionsJson: "{}" })).rejects.toThrow(/planJson is not JSON/);
      await expect(cluster.gateway.submitJob({ name: "x", parallelism: 1, planJson: JSON.stringify({ nodes: 3 }), optionsJson: "{}" })).rejects.toBeInstanceOf(rpc.InvalidArgumentError);
      await expect(cluster.gateway.getJob({ jobId: "nope" as rpc.JobRef["jobId"] })).rejects.toBeInstanceOf(rpc.NotFoundError);
      await expect(cluster.gateway.cancelJob({ jobId: "nope" as rpc.JobRef["jobId"] })).rejects.toBeInstanceOf(rpc.NotFoundError);
    } finally {
      await cluster.stop();
    }
  });
});

describe("MiniCluster: savepoints and slots", () => {
  test("savepoint of a running job, stop-with-savepoint, and a new job resumed from it ends with exactly the full counts", async () => {
    const events = 60_000;
    const env = StreamEnvironment.create({ parallelism: 2 });
    const totals = new Map<number, number>();
    env
      .fromGenerator(events, (i) => ({ key: i % 7, ts: i }), { batchSize: 100, ratePerSecond: 20_000 })
      .keyBy((e) => e.key)
      .reduce((a, b) => ({ key: a.key, ts: a.ts + b.ts }))
      .sinkTo((values) => {
        for (const v of values) totals.set(v.key, v.ts);
      });
    const definition = env.getJobDefinition("sums");
    const cluster = await MiniCluster.start({ workers: 2, slotsPerWorker: 1, checkpointDir: join(root, "sp"), loader: definitionLoader(definition) });
    try {
      const planJson = JSON.stringify(definition.plan);
      const { jobId } = await cluster.gateway.submitJob({ name: "sums", parallelism: 2, planJson, optionsJson: "{}" });
      await waitForJob(cluster.gateway, jobId, ["running"]);
      await Bun.sleep(300);
      const first = await cluster.gateway.triggerSavepoint({ jobId: jobId as rpc.JobRef["jobId"], dir: join(root, "sp-1"), thenStop: false });
      expect(first.path).toBe(join(root, "sp-1"));
      await Bun.sleep(300);
      const stop = await cluster.gateway.triggerSavepoint({ jobId: jobId as rpc.JobRef["jobId"], dir: join(root, "sp-2"), thenStop: true });
      const stopped = await waitForJob(cluster.gateway, jobId);
      expect(stopped.summary.status).toBe("finished");
      expect(stopped.savepointPath).toBe(stop.path);
      expect(stopped.checkpoints.filter((c) => c.kind === "savepoint").map((c) => c.checkpointId)).toEqual([stop.checkpointId, first.checkpointId]);

      const resumed = await cluster.gateway.submitJob({ name: "sums", parallelism: 2, planJson, optionsJson: JSON.stringify({ fromSavepoint: stop.path }) });
      expect((await waitForJob(cluster.gateway, resumed.jobId)).summary.status).toBe("finished");
      const expected = new Map<number, number>();
      for (let i = 0; i < events; i++) expected.set(i % 7, (expected.get(i % 7) ?? 0) + i);
      expect(totals).toEqual(expected);
    } finally {
      await cluster.stop();
    }
  });

  test("a job needing more slots than the cluster has waits, then fails naming the numbers", async () => {
    const { definition } = windowJob();
    const cluster = await MiniCluster.start({ workers: 1, slotsPerWorker: 2, checkpointDir: join(root, "slots"), loader: definitionLoader(definition), slotWaitTimeoutMs: 300 });
    try {
      const { jobId } = await cluster.gateway.submitJob({ name: "too-big", parallelism: 4, planJson: JSON.stringify(definition.plan), optionsJson: "{}" });
      const job = await waitForJob(cluster.gateway, jobId);
      expect(job.summary.status).toBe("failed");
      expect(job.failure).toContain("not enough slots: the job needs 4, the cluster has 2 free");
    } finally {
      await cluster.stop();
    }
  });

  test("a task failure without checkpoints fails the job with the task's error, once (no restart strategy)", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env
      .fromElements([1, 2, 3, 4, 5, 6])
      .map((n) => {
        if (n === 4) throw new Error("four is not allowed");
        return n;
      })
      .discard();
    const definition = env.getJobDefinition("fails");
    const cluster = await MiniCluster.start({ workers: 2, slotsPerWorker: 1, checkpointDir: join(root, "fail"), loader: definitionLoader(definition) });
    try {
      const { jobId } = await cluster.gateway.submitJob({ name: "fails", parallelism: 2, planJson: JSON.stringify(definition.plan), optionsJson: "{}" });
      const job = await waitForJob(cluster.gateway, jobId);
      expect(job.summary.status).toBe("failed");
      expect(job.failure).toContain("four is not allowed");
      expect(job.summary.restarts).toBe(0);
    } finally {
      await cluster.stop();
    }
  });
});
