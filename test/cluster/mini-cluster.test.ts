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
