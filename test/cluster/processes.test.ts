/**
 * The cluster as separate processes on loopback: one `bicycle jobmanager`, `bicycle worker`s, jobs
 * submitted as bundles. Results are read back from the exactly-once file sink and compared with an
 * independent computation (and with the same job run locally):
 * - a keyed window job at parallelism 4 spanning two workers;
 * - kill -9 of a worker mid-job: restart from the latest checkpoint on a newly started worker;
 * - kill -9 and restart of the JobManager: workers re-register and the job resumes from its checkpoint;
 * - backpressure across the network; malformed gRPC requests and data-plane bytes.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asJobRef, InvalidArgumentError, NotFoundError, type JobDetails } from "../../src/cluster/index.ts";
import { DEFAULT_MAX_PARALLELISM, subtaskForKey } from "../../src/core/index.ts";
import { executeLocally } from "../../src/runtime/index.ts";
import { defineJob } from "../../src/cli/job-bundle.ts";
import { until, waitForJob } from "./helpers.ts";
import { ProcessCluster } from "./process-cluster.ts";
import { submitDetached } from "../helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-processes-"));
afterAll(() => { if (!process.env.KEEP_TEST_DIRS) rmSync(root, { recursive: true, force: true }); });

const KEYS = 500;
const WINDOW = 1000;

interface JobSpec {
  readonly out: string;
  readonly events: number;
  readonly ratePerSecond?: number;
}

/** A job module with its output directory baked in (a bundle must rebuild the same plan anywhere). */
function writeJob(dir: string, spec: JobSpec): string {
  const file = join(dir, `job-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    file,
    `import type { StreamEnvironment } from "bicycle";
import { TumblingEventTimeWindows, forMonotonousTimestamps } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(${spec.events}, (i) => ({ key: (i * 31) % ${KEYS}, ts: i }), {
      timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), batchSize: 250${spec.ratePerSecond ? `, ratePerSecond: ${spec.ratePerSecond}` : ""}
    })
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(${WINDOW}))
    .count()
    .writeToFiles(${JSON.stringify(spec.out)});
}
`,
  );
  return file;
}

function expectedCounts(events: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < events; i++) {
    const k = `${(i * 31) % KEYS}@${Math.floor(i / WINDOW) * WINDOW}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Committed output of the file sink: (key@windowStart) -> count; fails on duplicates or leftovers. */
function readResults(dir: string): Map<string, number> {
  const files = existsSync(dir) ? readdirSync(dir) : [];
  expect(files.filter((f) => f.endsWith(".inprogress"))).toEqual([]);
  const m = new Map<string, number>();
  for (const f of files.filter((f) => f.startsWith("part-"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n")) {
      if (line === "") continue;
      const r = JSON.parse(line) as { key: number; window: { start: number }; value: number };
      const k = `${r.key}@${r.window.start}`;
      if (m.has(k)) throw new Error(`duplicate result ${k} in ${f}`);
      m.set(k, r.value);
    }
  }
  return m;
}

/** Submit a job file through the CLI (`bicycle submit --detached -p 4`) and return its id. */
const submit = (cluster: ProcessCluster, file: string, extra: string[] = []): Promise<string> => submitDetached(cluster.jobManagerAddress, file, ["-p", "4", ...extra]);

function newDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("cluster of processes on loopback", () => {
  test("a keyed window job at parallelism 4 on two workers equals the local run and the independent count", async () => {
    const dir = newDir("basic");
    const cluster = new ProcessCluster({ dir });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("wa", 2);
      await cluster.startWorker("wb", 2);
      const events = 60_000;
      const jobId = await submit(cluster, writeJob(dir, { out: join(dir, "out"), events }));
      const job = await waitForJob(cluster.client, jobId);
      expect(job.failure).toBeUndefined();
      expect(job.summary.status).toBe("finished");
      expect(new Set(job.tasks.map((t) => t.workerId))).toEqual(new Set(["wa", "wb"]));
      // Records crossed the network: the window tasks received bytes over the data plane.
      expect(job.tasks.reduce((n, t) => n + t.bytesIn, 0)).toBeGreaterThan(0);
      const clusterResult = readResults(join(dir, "out"));
      expect(clusterResult).toEqual(expectedCounts(events));

      const localFile = writeJob(dir, { out: join(dir, "local-out"), events });
      await executeLocally(await defineJob(localFile, { parallelism: 4 }, "local"));
      expect(readResults(join(dir, "local-out"))).toEqual(clusterResult);
    } finally {
      await cluster.stop();
    }
  });

  /**
   * Two 2-slot workers run a rate-limited window job with checkpoints every 300 ms; `disrupt` strikes once
   * two checkpoints completed; then the job must finish with every window exactly once in the files.
   */
  async function survives(name: string, disrupt: (cluster: ProcessCluster) => Promise<void>): Promise<JobDetails> {
    const dir = newDir(name);
    const cluster = new ProcessCluster({ dir });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("wa", 2);
      await cluster.startWorker("wb", 2);
      const events = 150_000;
      const jobId = await submit(cluster, writeJob(dir, { out: join(dir, "out"), events, ratePerSecond: 25_000 }), ["--checkpoint-interval", "300"]);
      await until(async () => ((await cluster.client.getJob(asJobRef(jobId))).lastCheckpointId ?? 0) >= 2, "two completed checkpoints");
      await disrupt(cluster);
      const job = await waitForJob(cluster.client, jobId, ["finished", "failed", "cancelled"], 90_000);
      expect(job.failure).toBeUndefined();
      expect(job.summary.status).toBe("finished");
      expect(job.summary.restarts).toBeGreaterThanOrEqual(1);
      expect(readResults(join(dir, "out"))).toEqual(expectedCounts(events));
      return job;
    } finally {
      await cluster.stop();
    }
  }

  test("kill -9 of a worker: the job restarts from its latest checkpoint on a new worker, output exactly once", async () => {
    const job = await survives("kill-worker", async (cluster) => {
      await cluster.kill("wb");
      await cluster.startWorker("wc", 2);
    });
    expect(job.tasks.some((t) => t.workerId === "wc")).toBe(true);
  }, 120_000);

  test("kill -9 and restart of the JobManager: workers re-register and the job resumes from its checkpoint", async () => {
    await survives("kill-jm", async (cluster) => {
      await cluster.kill("jobmanager");
      await cluster.startJobManager();
      await until(async () => (await cluster.client.clusterOverview()).workers.filter((w) => w.status === "alive").length === 2, "both workers to re-register");
    });
  }, 120_000);

  test("backpressure across the network: a slow sink on worker B throttles the source on worker A", async () => {
    const dir = newDir("backpressure");
    const cluster = new ProcessCluster({ dir });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("wa", 1);
      await cluster.startWorker("wb", 1);
      // Keys that all go to subtask 1 of the keyed vertex: its slot is the second, on worker wb, while the
      // source (parallelism 1) shares the first slot, on wa. So every record crosses the TCP link.
      const keys: number[] = [];
      for (let k = 0; keys.length < 10; k++) if (subtaskForKey(k, 2, DEFAULT_MAX_PARALLELISM) === 1) keys.push(k);
      const file = join(dir, "slow.ts");
      writeFileSync(
        file,
        `import type { StreamEnvironment } from "bicycle";
const KEYS = ${JSON.stringify(keys)};
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(1_000_000, (i) => ({ key: KEYS[i % KEYS.length], i }), { batchSize: 100 })
    .setParallelism(1)
    .keyBy((e) => e.key)
    .process<number>({
      processElement(e, _ctx, out) {
        const until = performance.now() + 1; // a slow sink: 1 ms per record
        while (performance.now() < until) {}
        out.collect(e.i);
      },
    })
    .setParallelism(2)
    .discard();
}
`,
      );
      const jobId = await submit(cluster, file, ["-p", "2"]);
      await waitForJob(cluster.client, jobId, ["running"]);
      const sample = async () => {
        const job = await cluster.client.getJob(asJobRef(jobId));
        expect(job.summary.status).toBe("running");
        const source = job.tasks.find((t) => t.taskId.startsWith("source-"))!;
        const slow = job.tasks.find((t) => t.workerId === "wb")!;
        expect(source.workerId).toBe("wa");
        return { source, slow };
      };
      await Bun.sleep(2000);
      const first = await sample();
      await Bun.sleep(2000);
      const second = await sample();
      // Every record crossed the TCP link to wb, whose sink takes about 1000 records/s. The source could
      // generate the million in well under a second; held back by credits it read only about what the
      // sink took: between the samples it advanced like the sink did, give or take the buffers in flight.
      expect(second.slow.bytesIn).toBeGreaterThan(0);
      expect(second.source.recordsIn).toBeLessThan(200_000);
      const sourceGrowth = second.source.recordsIn - first.source.recordsIn;
      const sinkGrowth = second.slow.recordsIn - first.slow.recordsIn;
      expect(sinkGrowth).toBeGreaterThan(500);
      expect(sourceGrowth).toBeLessThan(sinkGrowth + 20_000);
      expect(second.source.backpressureRatio).toBeGreaterThan(0.5);
      await cluster.client.cancelJob(asJobRef(jobId));
      expect((await waitForJob(cluster.client, jobId, ["cancelled"])).summary.status).toBe("cancelled");
    } finally {
      await cluster.stop();
    }
  });

  test("a frozen worker (SIGSTOP) misses heartbeats, is marked lost with its slots removed, and registers again after SIGCONT", async () => {
    const dir = newDir("heartbeats");
    const cluster = new ProcessCluster({ dir, heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1500 });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("wa", 2);
      await cluster.startWorker("wb", 3);
      expect((await cluster.client.clusterOverview()).totalSlots).toBe(5);
      cluster.signal("wb", "SIGSTOP");
      await until(async () => (await cluster.client.clusterOverview()).workers.find((w) => w.workerId === "wb")?.status === "lost", "wb to be marked lost");
      const lost = await cluster.client.clusterOverview();
      expect(lost.totalSlots).toBe(2);
      expect(lost.workers.find((w) => w.workerId === "wb")!.slots).toBe(0);
      cluster.signal("wb", "SIGCONT");
      await until(async () => (await cluster.client.clusterOverview()).workers.find((w) => w.workerId === "wb")?.status === "alive", "wb to register again");
      expect((await cluster.client.clusterOverview()).totalSlots).toBe(5);
    } finally {
      await cluster.stop();
    }
  });

  test("malformed requests: INVALID_ARGUMENT and NOT_FOUND with a message; garbage on the data plane does not crash a worker", async () => {
    const dir = newDir("bad-input");
    const cluster = new ProcessCluster({ dir });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("wa", 1);
      const rejection = async (call: Promise<unknown>): Promise<Error> => {
        try {
          await call;
        } catch (error) {
          return error as Error;
        }
        throw new Error("expected the call to be rejected");
      };
      const missing = await rejection(cluster.client.submitJob({ name: "x", parallelism: 1, planJson: "", optionsJson: "{}" }));
      expect(missing).toBeInstanceOf(InvalidArgumentError);
      expect(missing.message).toContain("planJson");
      const badPlan = await rejection(cluster.client.submitJob({ name: "x", parallelism: 1, planJson: '{"nodes":[]}', optionsJson: "{}" }));
      expect(badPlan).toBeInstanceOf(InvalidArgumentError);
      expect(badPlan.message).toContain("invalid plan");
      const badOptions = await rejection(cluster.client.submitJob({ name: "x", parallelism: 1, planJson: "{}", optionsJson: '{"checkpointInterval":"soon"}' }));
      expect(badOptions).toBeInstanceOf(InvalidArgumentError);
      expect(badOptions.message).toContain("checkpointInterval");
      const unknown = await rejection(cluster.client.getJob(asJobRef("0123456789abcdef0123456789abcdef")));
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect(unknown.message).toContain("unknown job id");

      const { workers } = await cluster.client.clusterOverview();
      const port = workers[0]!.dataPort;
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, close() {} } });
      socket.write(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
      await Bun.sleep(300);
      socket.end();
      expect(cluster.isRunning("wa")).toBe(true);
      // ... and it still runs jobs.
      const events = 5_000;
      const jobId = await submit(cluster, writeJob(dir, { out: join(dir, "out"), events }), ["-p", "1"]);
      expect((await waitForJob(cluster.client, jobId)).summary.status).toBe("finished");
      expect(readResults(join(dir, "out"))).toEqual(expectedCounts(events));
    } finally {
      await cluster.stop();
    }
  });
});
