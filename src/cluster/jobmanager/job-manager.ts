/**
 * @module cluster/jobmanager/job-manager
 * The JobManager: implements the JobManagerService RPCs. It keeps the WorkerRegistry (heartbeats, lost
 * workers), the SlotPool, one JobMaster per job, and the JobStore (bun:sqlite in the checkpoint
 * directory) that makes it restartable:
 *
 * - Submission validates the plan and options, stores the job (and its bundle, by content hash), and
 *   starts a JobMaster.
 * - A worker that misses heartbeats for `heartbeatTimeoutMs` is lost: its slots leave the pool and the
 *   jobs with tasks on it fail over. A worker registering again (it restarted, or this JobManager did)
 *   has cancelled all its tasks, so jobs with tasks on it fail over too.
 * - On start, jobs the store says were created, running or restarting get a JobMaster that resumes them
 *   from their latest checkpoint as soon as enough workers have registered.
 */
import { join } from "node:path";
import { BicycleError, ConfigError, describeError, log, newJobId, PlanError, type CheckpointId, type JobId } from "../../core/index.ts";
import { checkConnectorAvailability } from "../../connectors/index.ts";
import { rpc } from "../../network/index.ts";
import { buildJobGraph, parsePlan } from "../../plan/index.ts";
import { parseClusterJobOptions, type ClusterJobOptions } from "../job-options.ts";
import { JobMaster } from "./job-master.ts";
import { JobStore, type JobRecord } from "./job-store.ts";
import { slotsRequired } from "./scheduler.ts";
import { SlotPool } from "./slot-pool.ts";
import { WorkerRegistry, type WorkerInfo } from "./worker-registry.ts";

export interface JobManagerOptions {
  /** Root of every job's checkpoints; the JobStore lives here too unless `storeDir` says otherwise. */
  readonly checkpointDir: string;
  /** Where the JobStore (jobmanager.sqlite) lives (default: checkpointDir). */
  readonly storeDir?: string;
  readonly heartbeatIntervalMs?: number;
  /** A worker silent this long is lost (default 10 x the heartbeat interval, at least 5 s). */
  readonly heartbeatTimeoutMs?: number;
  /** How long a job waits for enough free slots before it fails (default 300 s, as Flink's slot request timeout). */
  readonly slotWaitTimeoutMs?: number;
  /** How the JobManager reaches a worker's WorkerService (default: gRPC to host:rpcPort). */
  readonly connectWorker?: (worker: { workerId: string; host: string; rpcPort: number }) => rpc.WorkerGateway & { close?(): void };
  /** Log lifecycle events (registrations, submissions, deployments) at info (default) or only at debug. */
  readonly verbose?: boolean;
}

/** The REST/CLI view of a job (also used by GetJob). */
export type JobView = rpc.JobDetails;

const TERMINAL = new Set(["finished", "failed", "cancelled"]);

export class JobManager implements rpc.JobManagerGateway {
  readonly registry: WorkerRegistry;
  readonly pool = new SlotPool();
  readonly store: JobStore;
  private readonly masters = new Map<string, JobMaster>();
  private readonly gateways = new Map<string, rpc.WorkerGateway & { close?(): void }>();
  private readonly rpcPorts = new Map<string, number>();
  private readonly heartbeatIntervalMs: number;
  private readonly slotWaitTimeoutMs: number;
  private readonly startedAt = Date.now();
  private readonly timeoutTimer: ReturnType<typeof setInterval>;
  /** Lifecycle messages: info for a cluster process, debug inside an embedded MiniCluster. */
  private readonly note: (message: string) => void;

  private constructor(private readonly options: JobManagerOptions) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
    this.slotWaitTimeoutMs = options.slotWaitTimeoutMs ?? 300_000;
    this.registry = new WorkerRegistry({ heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? Math.max(5000, 10 * this.heartbeatIntervalMs) });
    this.store = JobStore.open(options.storeDir ?? options.checkpointDir);
    this.note = options.verbose === false ? (m) => log.debug(m) : (m) => log.info(m);
    this.timeoutTimer = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.floor(this.heartbeatIntervalMs / 2)));
  }

  /** Open the store and resume the jobs it says were running. */
  static start(options: JobManagerOptions): JobManager {
    const jm = new JobManager(options);
    for (const record of jm.store.listJobs()) {
      if (TERMINAL.has(record.status)) continue;
      if (record.status === "cancelling") {
        jm.store.updateJob(record.jobId, { status: "cancelled", endedAt: Date.now() });
        continue;
      }
      try {
        jm.note(`resuming job ${record.name} (${record.jobId}), last status ${record.status}`);
        jm.startMaster(record, parseClusterJobOptions(record.optionsJson), true);
      } catch (error) {
        jm.store.updateJob(record.jobId, { status: "failed", failure: `cannot resume: ${describeError(error)}`, endedAt: Date.now() });
      }
    }
    return jm;
  }

  private startMaster(record: JobRecord, options: ClusterJobOptions, resume: boolean): JobMaster {
    const safeName = record.name.replace(/[^a-zA-Z0-9_.-]+/g, "_");
    const master = new JobMaster(record, options, {
      store: this.store,
      freeSlots: () => this.pool.free(),
      allocate: (jobId, slots) => this.pool.allocate(jobId, slots),
      release: (jobId) => this.pool.release(jobId),
      workerGateway: (id) => this.gateways.get(id),
      workerAddress: (id) => {
        const w = this.registry.get(id);
        return w === undefined ? undefined : { host: w.host, dataPort: w.dataPort };
      },
      slotsChanged: this.pool.changed,
      slotWaitTimeoutMs: this.slotWaitTimeoutMs,
      note: this.note,
      workerUnreachable: (workerId, reason) => {
        if (this.registry.markLost(workerId, reason) !== undefined) this.workerGone(workerId, reason);
      },
      checkpointDir: join(this.options.checkpointDir, `${safeName}-${record.jobId}`),
    });
    this.masters.set(record.jobId, master);
    void master.run(resume);
    return master;
  }

  private checkHeartbeats(): void {
    for (const lost of this.registry.checkTimeouts()) this.workerGone(lost.workerId, `no heartbeat for ${Date.now() - lost.lastHeartbeat} ms`);
  }

  private workerGone(workerId: string, reason: string): void {
    log.warn(`worker ${workerId} lost: ${reason}`);
    this.pool.removeWorker(workerId);
    this.gateways.get(workerId)?.close?.();
    this.gateways.delete(workerId);
    for (const master of this.masters.values()) master.onWorkerLost(workerId, reason);
  }

  private master(jobId: string): JobMaster {
    const master = this.masters.get(jobId);
    if (master === undefined) throw new rpc.NotFoundError(`unknown job id '${jobId}'`);
    return master;
  }

  // ---- workers ----

  async registerWorker(request: rpc.RegisterWorkerRequest): Promise<rpc.RegisterWorkerResponse> {
    const { reRegistered } = this.registry.register(request);
    if (reRegistered) {
      // The worker cancels everything when it registers: its old tasks are gone.
      for (const master of this.masters.values()) master.onWorkerLost(request.workerId, "the worker registered again");
      this.gateways.get(request.workerId)?.close?.();
    }
    const connect = this.options.connectWorker ?? ((w) => rpc.connectWorker(`${w.host}:${w.rpcPort}`));
    this.gateways.set(request.workerId, connect({ workerId: request.workerId, host: request.host, rpcPort: request.rpcPort }));
    this.rpcPorts.set(request.workerId, request.rpcPort);
    this.pool.addWorker(request.workerId, request.slots);
    this.note(`worker ${request.workerId} registered: ${request.slots} slots, data ${request.host}:${request.dataPort}, rpc port ${request.rpcPort}`);
    return { accepted: true, heartbeatIntervalMs: this.heartbeatIntervalMs };
  }

  async heartbeat(request: rpc.HeartbeatRequest): Promise<void> {
    const known = this.registry.heartbeat(request.workerId, {
      freeSlots: request.freeSlots,
      taskMetrics: request.taskMetrics,
      cpuPercent: request.cpuPercent,
      rssBytes: request.rssBytes,
    });
    if (!known) throw new rpc.NotFoundError(`unknown worker '${request.workerId}': register first`);
    for (const m of request.taskMetrics) this.masters.get(m.jobId)?.onMetrics(request.workerId, m);
  }

  async updateTaskState(request: rpc.TaskStateUpdateRequest): Promise<void> {
    this.master(request.jobId).onTaskState(request);
  }

  async acknowledgeCheckpoint(request: rpc.AcknowledgeCheckpointRequest): Promise<void> {
    this.master(request.jobId).onAcknowledge(request);
  }

  async declineCheckpoint(request: rpc.DeclineCheckpointRequest): Promise<void> {
    this.master(request.jobId).onDecline(request);
  }

  async fetchBundle(request: rpc.BundleRef): Promise<rpc.Bundle> {
    const bytes = this.store.getBundle(request.hash);
    if (bytes === null) throw new rpc.NotFoundError(`unknown bundle '${request.hash}'`);
    return { bytes: bytes as rpc.Bundle["bytes"] };
  }

  // ---- clients ----

  async submitJob(request: rpc.SubmitJobRequest): Promise<rpc.SubmitJobResponse> {
    let options: ClusterJobOptions;
    let planJson: string;
    try {
      options = parseClusterJobOptions(request.optionsJson);
      const plan = parsePlan(JSON.parse(request.planJson));
      checkConnectorAvailability(plan); // e.g. Pulsar: fail at submit, not when a task starts
      const graph = buildJobGraph(plan, { chaining: options.chaining });
      planJson = JSON.stringify(plan);
      if (slotsRequired(graph) > 100_000) throw new PlanError("the job needs more than 100000 slots");
    } catch (error) {
      if (error instanceof SyntaxError) throw new rpc.InvalidArgumentError(`planJson is not JSON: ${error.message}`);
      if (error instanceof PlanError || error instanceof ConfigError || error instanceof BicycleError) throw new rpc.InvalidArgumentError(error.message);
      throw error;
    }
    const jobId = newJobId();
    const bundleHash = request.bundle === undefined ? null : this.store.putBundle(request.bundle);
    this.store.createJob({
      jobId,
      name: request.name,
      parallelism: request.parallelism > 0 ? request.parallelism : options.parallelism,
      planJson,
      optionsJson: request.optionsJson,
      bundleHash,
      submittedAt: Date.now(),
      status: "created",
    });
    const record = this.store.getJob(jobId)!;
    this.startMaster(record, options, false);
    this.note(`job ${request.name} (${jobId}) submitted${bundleHash === null ? "" : ` with bundle ${bundleHash.slice(0, 12)}`}`);
    return { jobId };
  }

  async listJobs(): Promise<rpc.ListJobsResponse> {
    return { jobs: this.store.listJobs().map((r) => this.summary(r)) };
  }

  private summary(r: JobRecord): rpc.JobSummary {
    return {
      jobId: r.jobId as JobId,
      name: r.name,
      status: this.masters.get(r.jobId)?.status ?? r.status,
      parallelism: r.parallelism,
      startTimeMs: r.startedAt ?? r.submittedAt,
      endTimeMs: r.endedAt ?? 0,
      restarts: r.restarts,
    };
  }

  async getJob(request: rpc.JobRef): Promise<rpc.JobDetails> {
    const record = this.store.getJob(request.jobId);
    if (record === null) throw new rpc.NotFoundError(`unknown job id '${request.jobId}'`);
    const master = this.masters.get(request.jobId);
    const tasks: rpc.TaskSummary[] = [];
    for (const [taskId, t] of master?.tasks() ?? []) {
      const m = t.metrics;
      tasks.push({
        taskId,
        workerId: t.workerId,
        state: t.state,
        recordsIn: m?.recordsIn ?? 0,
        recordsOut: m?.recordsOut ?? 0,
        bytesIn: m?.bytesIn ?? 0,
        bytesOut: m?.bytesOut ?? 0,
        backpressureRatio: m?.backpressureRatio ?? 0,
      });
    }
    const checkpoints = this.store.checkpoints(request.jobId, 50).map((c) => ({
      checkpointId: c.checkpointId as CheckpointId,
      path: c.path,
      sizeBytes: c.sizeBytes,
      durationMs: c.durationMs,
      completedAtMs: c.completedAt,
      kind: c.kind,
    }));
    const latest = record.latestCheckpoint;
    return {
      summary: this.summary(record),
      tasks,
      planJson: record.planJson,
      checkpoints,
      ...(latest === null ? {} : { lastCheckpointId: latest.id as CheckpointId }),
      ...(record.failure === null ? {} : { failure: record.failure }),
      ...(record.savepointPath === null ? {} : { savepointPath: record.savepointPath }),
    };
  }

  async cancelJob(request: rpc.JobRef): Promise<void> {
    const master = this.masters.get(request.jobId);
    if (master === undefined) {
      if (this.store.getJob(request.jobId) === null) throw new rpc.NotFoundError(`unknown job id '${request.jobId}'`);
      return; // already ended
    }
    master.cancel();
  }

  async triggerSavepoint(request: rpc.TriggerSavepointRequest): Promise<rpc.TriggerSavepointResponse> {
    const result = await this.master(request.jobId).savepoint(request.dir, request.thenStop);
    return { checkpointId: result.checkpointId as CheckpointId, path: result.path };
  }

  async clusterOverview(): Promise<rpc.ClusterOverviewResponse> {
    const workers = this.registry.all().map((w: WorkerInfo) => ({
      workerId: w.workerId,
      host: w.host,
      hostname: w.hostname ?? "",
      dataPort: w.dataPort,
      slots: w.status === "alive" ? w.slots : 0,
      freeSlots: w.status === "alive" ? w.slots - this.pool.usedOn(w.workerId) : 0,
      status: w.status,
      lastHeartbeatMs: w.lastHeartbeat,
      cpuCores: w.cpuCores,
      memoryMb: w.memoryMb,
      cpuPercent: w.cpuPercent ?? 0,
      rssBytes: w.rssBytes ?? 0,
    }));
    const running = [...this.masters.values()].filter((m) => m.status === "running" || m.status === "restarting").length;
    return { workers, totalSlots: this.pool.totalSlots, freeSlots: this.pool.freeSlotCount, runningJobs: running, uptimeMs: Date.now() - this.startedAt };
  }

  /** The JobMaster of a job (tests, REST). */
  jobMaster(jobId: string): JobMaster | undefined {
    return this.masters.get(jobId);
  }

  /**
   * Stop supervising. With `cancelJobs` (an embedded cluster going away) running jobs are cancelled;
   * without (a JobManager shutdown) they stay "running" in the store and a restarted JobManager resumes them.
   */
  async stop(options: { cancelJobs?: boolean } = {}): Promise<void> {
    clearInterval(this.timeoutTimer);
    const masters = [...this.masters.values()];
    if (options.cancelJobs === true) {
      for (const m of masters) m.cancel();
      await Promise.all(masters.map((m) => m.terminated));
    } else {
      for (const m of masters) m.detach();
    }
    for (const g of this.gateways.values()) g.close?.();
    this.gateways.clear();
    this.store.close();
  }
}
