/**
 * Fake JobManager and worker implementations for the gateway tests: small in-memory state, every call
 * recorded, and errors of each domain on demand (job names "fail-user" / "fail-external" / "fail-bug").
 */
import { createHash } from "node:crypto";
import { BicycleError, asJobId, type CheckpointId } from "../../../src/core/index.ts";
import {
  NotFoundError,
  type AcknowledgeCheckpointRequest,
  type Bundle,
  type DeclineCheckpointRequest,
  type JobDetails,
  type JobManagerGateway,
  type RegisterWorkerRequest,
  type SubmitJobRequest,
  type WorkerGateway,
  type WorkerSummary,
} from "../../../src/network/rpc/index.ts";

/** The fake JobManager's clock: registration, heartbeats and job starts happen at fixed times. */
export const FAKE_NOW_MS = 1_700_000_000_000;

/** The sha256 hex digest a bundle is fetched by (FetchBundle's `hash`). */
export function bundleHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface FakeJobManager extends JobManagerGateway {
  readonly calls: { method: string; request: unknown }[];
  readonly acks: AcknowledgeCheckpointRequest[];
  readonly declines: DeclineCheckpointRequest[];
  readonly submitted: SubmitJobRequest[];
}

export function createFakeJobManager(): FakeJobManager {
  const workers = new Map<string, WorkerSummary>();
  const jobs = new Map<string, JobDetails>();
  const bundles = new Map<string, Bundle["bytes"]>();
  const calls: { method: string; request: unknown }[] = [];
  const acks: AcknowledgeCheckpointRequest[] = [];
  const declines: DeclineCheckpointRequest[] = [];
  const submitted: SubmitJobRequest[] = [];
  const job = (jobId: string): JobDetails => {
    const found = jobs.get(jobId);
    if (found === undefined) throw new NotFoundError(`job ${jobId} not found`);
    return found;
  };
  const record = (method: string, request: unknown): void => void calls.push({ method, request });
  return {
    calls,
    acks,
    declines,
    submitted,
    async registerWorker(r: RegisterWorkerRequest) {
      record("registerWorker", r);
      workers.set(r.workerId, {
        workerId: r.workerId,
        host: r.host,
        dataPort: r.dataPort,
        slots: r.slots,
        freeSlots: r.slots,
        status: "alive",
        lastHeartbeatMs: FAKE_NOW_MS,
        cpuCores: r.cpuCores,
        memoryMb: r.memoryMb,
        cpuPercent: 0,
        rssBytes: 0,
        hostname: r.hostname,
      });
      return { accepted: true, heartbeatIntervalMs: 500 };
    },
    async heartbeat(r) {
      record("heartbeat", r);
      const worker = workers.get(r.workerId);
      if (worker === undefined) throw new NotFoundError(`worker ${r.workerId} is not registered`);
      workers.set(r.workerId, { ...worker, freeSlots: r.freeSlots, cpuPercent: r.cpuPercent, rssBytes: r.rssBytes, lastHeartbeatMs: worker.lastHeartbeatMs + 500 });
    },
    async updateTaskState(r) {
      record("updateTaskState", r);
      const details = job(r.jobId);
      const tasks = details.tasks.filter((t) => t.taskId !== r.taskId);
      const task = { taskId: r.taskId, workerId: r.workerId, state: r.state, recordsIn: 0, recordsOut: 0, bytesIn: 0, bytesOut: 0, backpressureRatio: 0 };
      jobs.set(r.jobId, { ...details, tasks: [...tasks, task], ...(r.error === undefined ? {} : { failure: r.error }) });
    },
    async acknowledgeCheckpoint(r) {
      record("acknowledgeCheckpoint", r);
      job(r.jobId);
      acks.push(r);
      jobs.set(r.jobId, { ...job(r.jobId), lastCheckpointId: r.checkpointId });
    },
    async declineCheckpoint(r) {
      record("declineCheckpoint", r);
      job(r.jobId);
      declines.push(r);
    },
    async fetchBundle(r) {
      record("fetchBundle", r);
      const bytes = bundles.get(r.hash);
      if (bytes === undefined) throw new NotFoundError(`bundle ${r.hash} not found`);
      return { bytes };
    },
    async submitJob(r) {
      record("submitJob", r);
      submitted.push(r);
      if (r.name === "fail-user") throw new BicycleError("plan has a cycle at vertex v3", { code: "PLAN_INVALID", domain: "user" });
      if (r.name === "fail-external") throw new BicycleError("checkpoint storage s3://b unreachable", { code: "STORAGE_DOWN", domain: "external", retriable: true });
      if (r.name === "fail-bug") throw new Error("undefined is not a function");
      if (r.bundle !== undefined) bundles.set(bundleHash(r.bundle), r.bundle);
      const jobId = asJobId(`job-${jobs.size + 1}`);
      jobs.set(jobId, {
        summary: { jobId, name: r.name, status: "running", parallelism: r.parallelism, startTimeMs: FAKE_NOW_MS, endTimeMs: 0, restarts: 0 },
        tasks: [],
        planJson: r.planJson,
        checkpoints: [],
      });
      return { jobId };
    },
    async listJobs() {
      record("listJobs", {});
      return { jobs: [...jobs.values()].map((j) => j.summary) };
    },
    async getJob(r) {
      record("getJob", r);
      return job(r.jobId);
    },
    async cancelJob(r) {
      record("cancelJob", r);
      const details = job(r.jobId);
      if (details.summary.status !== "running") {
        throw new BicycleError(`job ${r.jobId} is ${details.summary.status}, not running`, { code: "JOB_NOT_CANCELLABLE", domain: "user" });
      }
      jobs.set(r.jobId, { ...details, summary: { ...details.summary, status: "cancelling" } });
    },
    async triggerSavepoint(r) {
      record("triggerSavepoint", r);
      const details = job(r.jobId);
      const path = `${r.dir}/savepoint-7`;
      const savepoint = { checkpointId: 7 as CheckpointId, path, sizeBytes: 1234, durationMs: 15, completedAtMs: FAKE_NOW_MS + 60_000, kind: "savepoint" as const };
      jobs.set(r.jobId, {
        ...details,
        checkpoints: [...details.checkpoints, savepoint],
        savepointPath: path,
        ...(r.thenStop ? { summary: { ...details.summary, status: "finished" as const, endTimeMs: FAKE_NOW_MS + 60_000 } } : {}),
      });
      return { checkpointId: savepoint.checkpointId, path };
    },
    async clusterOverview() {
      record("clusterOverview", {});
      const all = [...workers.values()];
      const running = [...jobs.values()].filter((j) => j.summary.status === "running").length;
      return {
        workers: all,
        totalSlots: all.reduce((n, w) => n + w.slots, 0),
        freeSlots: all.reduce((n, w) => n + w.freeSlots, 0),
        runningJobs: running,
        uptimeMs: 42_000,
      };
    },
  };
}

export interface FakeWorker extends WorkerGateway {
  readonly calls: { method: string; request: unknown }[];
}

/** A worker that knows job "job-1" only and records every call. */
export function createFakeWorker(): FakeWorker {
  const calls: { method: string; request: unknown }[] = [];
  const known = (jobId: string): void => {
    if (jobId !== "job-1") throw new NotFoundError(`job ${jobId} has no tasks on this worker`);
  };
  return {
    calls,
    async deployTasks(r) {
      calls.push({ method: "deployTasks", request: r });
    },
    async cancelTasks(r) {
      known(r.jobId);
      calls.push({ method: "cancelTasks", request: r });
    },
    async triggerCheckpoint(r) {
      known(r.jobId);
      calls.push({ method: "triggerCheckpoint", request: r });
    },
    async notifyCheckpointComplete(r) {
      known(r.jobId);
      calls.push({ method: "notifyCheckpointComplete", request: r });
    },
    async notifyCheckpointAborted(r) {
      known(r.jobId);
      calls.push({ method: "notifyCheckpointAborted", request: r });
    },
  };
}
