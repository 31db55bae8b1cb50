/**
 * Fake JobManager and worker implementations for the gateway tests: small in-memory state, every call
 * recorded, and errors of each domain on demand (job names "fail-user" / "fail-external" / "fail-bug").
 */
import { BicycleError, asJobId, type CheckpointId } from "../../../src/core/index.ts";
import {
  NotFoundError,
  type AcknowledgeCheckpointRequest,
  type DeclineCheckpointRequest,
  type JobDetails,
  type JobManagerGateway,
  type RegisterWorkerRequest,
  type SubmitJobRequest,
  type WorkerGateway,
  type WorkerSummary,
} from "../../../src/network/rpc/index.ts";

export interface FakeJobManager extends JobManagerGateway {
  readonly calls: { method: string; request: unknown }[];
  readonly acks: AcknowledgeCheckpointRequest[];
  readonly declines: DeclineCheckpointRequest[];
  readonly submitted: SubmitJobRequest[];
}

export function createFakeJobManager(): FakeJobManager {
  const workers = new Map<string, WorkerSummary>();
  const jobs = new Map<string, JobDetails>();
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
      workers.set(r.workerId, { workerId: r.workerId, host: r.host, dataPort: r.dataPort, slots: r.slots, freeSlots: r.slots });
      return { accepted: true, heartbeatIntervalMs: 500 };
    },
    async heartbeat(r) {
      record("heartbeat", r);
      const worker = workers.get(r.workerId);
      if (worker === undefined) throw new NotFoundError(`worker ${r.workerId} is not registered`);
      workers.set(r.workerId, { ...worker, freeSlots: r.freeSlots });
    },
    async updateTaskState(r) {
      record("updateTaskState", r);
      const details = job(r.jobId);
      const tasks = details.tasks.filter((t) => t.taskId !== r.taskId);
      jobs.set(r.jobId, {
        ...details,
        tasks: [...tasks, { taskId: r.taskId, workerId: r.workerId, state: r.state }],
        ...(r.error === undefined ? {} : { failure: r.error }),
      });
    },
    async acknowledgeCheckpoint(r) {
      job(r.jobId);
      acks.push(r);
      jobs.set(r.jobId, { ...job(r.jobId), lastCheckpointId: r.checkpointId });
    },
    async declineCheckpoint(r) {
      job(r.jobId);
      declines.push(r);
    },
    async submitJob(r) {
      submitted.push(r);
      if (r.name === "fail-user") throw new BicycleError("plan has a cycle at vertex v3", { code: "PLAN_INVALID", domain: "user" });
      if (r.name === "fail-external") throw new BicycleError("checkpoint storage s3://b unreachable", { code: "STORAGE_DOWN", domain: "external", retriable: true });
      if (r.name === "fail-bug") throw new Error("undefined is not a function");
      const jobId = asJobId(`job-${jobs.size + 1}`);
      jobs.set(jobId, { summary: { jobId, name: r.name, status: "running", parallelism: r.parallelism, startTimeMs: 1_700_000_000_000 }, tasks: [] });
      return { jobId };
    },
    async listJobs() {
      return { jobs: [...jobs.values()].map((j) => j.summary) };
    },
    async getJob(r) {
      return job(r.jobId);
    },
    async cancelJob(r) {
      const details = job(r.jobId);
      if (details.summary.status !== "running") {
        throw new BicycleError(`job ${r.jobId} is ${details.summary.status}, not running`, { code: "JOB_NOT_CANCELLABLE", domain: "user" });
      }
      jobs.set(r.jobId, { ...details, summary: { ...details.summary, status: "cancelling" } });
    },
    async triggerSavepoint(r) {
      job(r.jobId);
      return { checkpointId: 7 as CheckpointId, path: `${r.dir}/savepoint-7` };
    },
    async clusterOverview() {
      const all = [...workers.values()];
      const running = [...jobs.values()].filter((j) => j.summary.status === "running").length;
      return {
        workers: all,
        totalSlots: all.reduce((n, w) => n + w.slots, 0),
        freeSlots: all.reduce((n, w) => n + w.freeSlots, 0),
        runningJobs: running,
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
  };
}
