/**
 * @module cluster/jobmanager/job-master
 * One JobMaster per job: schedules its tasks into slots, deploys execution attempts to workers, tracks
 * task states, runs the CheckpointCoordinator, and fails over.
 *
 * Lifecycle: created -> running -> finished | failed | cancelled, with running -> restarting -> running
 * on failover. An attempt is numbered; messages of an older attempt (late acks, task states of tasks
 * being cancelled) are ignored, and its data-plane channel ids are never reused.
 *
 * Failover (Flink's restart-all strategy):
 *   a task fails, or a worker holding tasks is lost -> cancel the attempt's tasks on every worker,
 *   release its slots -> suspend the coordinator (aborts the in-flight checkpoint unless its _metadata
 *   is being written: wait for that) -> the restart strategy decides -> after the delay, wait for
 *   enough slots (up to `slotWaitTimeoutMs`, then fail) -> load the latest completed checkpoint (past
 *   corrupt ones; the savepoint the job started from if none) -> deploy attempt n+1 restoring from it.
 *
 * Checkpoints (JobManager side of Chandy-Lamport): the coordinator's trigger goes to the workers of the
 * attempt, whose source tasks inject barrier N; every task writes its snapshot into the shared checkpoint
 * directory and acknowledges; once all did, the JobMaster writes `_metadata` (the commit point), records
 * the checkpoint in the JobStore and notifies every worker, whose 2PC sinks then commit.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  buildCheckpointMetadata,
  CheckpointCoordinator,
  CheckpointError,
  completedFromMetadata,
  FsCheckpointStorage,
  METADATA_FILE,
  type CheckpointCoordinatorStats,
  type CoordinatorAction,
} from "../../checkpoint/index.ts";
import { BicycleError, describeError, log, type CheckpointId, type JobId } from "../../core/index.ts";
import { rpc } from "../../network/index.ts";
import { buildJobGraph, planHash, type JobGraph, type LogicalPlan } from "../../plan/index.ts";
import { checkCompatible, createRestartStrategy, loadCheckpoint, loadLatestCheckpoint, type LoadedCheckpoint } from "../../runtime/index.ts";
import { channelCount, taskIdsOf, taskIdOf, type AttemptDescriptor } from "../deployment.ts";
import { envOptionsForWorkers, type ClusterJobOptions } from "../job-options.ts";
import type { JobRecord, JobStatus, JobStore } from "./job-store.ts";
import { scheduleJob, slotsRequired, type FreeSlots, type SlotAssignment } from "./scheduler.ts";

/** What a JobMaster needs from its JobManager. */
export interface JobMasterContext {
  readonly store: JobStore;
  /** Free slots of live workers, as the JobManager's slot pool sees them. */
  freeSlots(): FreeSlots[];
  /** Reserve / give back slots for this job. */
  allocate(jobId: string, placement: readonly SlotAssignment[]): void;
  release(jobId: string): void;
  workerGateway(workerId: string): rpc.WorkerGateway | undefined;
  workerAddress(workerId: string): { host: string; dataPort: number } | undefined;
  /** Called when slots may have become free (a worker registered, a job released slots). */
  readonly slotsChanged: { wait(timeoutMs: number): Promise<void> };
  readonly slotWaitTimeoutMs: number;
  /** Lifecycle messages (info in a cluster process, debug when embedded). */
  readonly note: (message: string) => void;
  /** A worker did not answer a deployment: the JobManager stops scheduling onto it at once. */
  workerUnreachable(workerId: string, reason: string): void;
  /** Where this job's checkpoints go. */
  readonly checkpointDir: string;
}

interface TaskStatus {
  workerId: string;
  state: rpc.TaskState;
  error?: string;
  /** Latest counters from the worker's heartbeats (kept after the task ended). */
  metrics?: rpc.TaskMetrics;
}

interface Attempt {
  readonly number: number;
  readonly tasks: Map<string, TaskStatus>;
  readonly workers: Set<string>;
  finished: number;
  ended: boolean;
  resolve(outcome: AttemptOutcome): void;
}

type AttemptOutcome = { kind: "finished" } | { kind: "failed"; error: Error } | { kind: "cancelled" };

const TICK_MS = 10;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class JobMaster {
  readonly jobId: string;
  readonly graph: JobGraph;
  /** The plan hash workers check a rebuilt bundle against, and checkpoints record. */
  readonly planHash: string;
  private readonly plan: LogicalPlan;
  private readonly storage: FsCheckpointStorage;
  private coordinator: CheckpointCoordinator;
  private attempt: Attempt | null = null;
  private attemptCounter = 0;
  private cancelRequested = false;
  /** Set when the JobManager stops: supervision ends, the tasks and the stored status are left alone. */
  private detached = false;
  private readonly savepointWaiters = new Map<number, { resolve: (path: string) => void; reject: (e: unknown) => void }>();
  private stopSavepointId: number | undefined;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private statusValue: JobStatus;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    private record: JobRecord,
    private readonly options: ClusterJobOptions,
    private readonly ctx: JobMasterContext,
  ) {
    this.jobId = record.jobId;
    this.plan = JSON.parse(record.planJson) as LogicalPlan;
    this.graph = buildJobGraph(this.plan, { chaining: options.chaining });
    this.planHash = planHash(this.plan);
    this.storage = new FsCheckpointStorage(ctx.checkpointDir);
    this.coordinator = this.newCoordinator();
    this.statusValue = record.status;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  private newCoordinator(options: ConstructorParameters<typeof CheckpointCoordinator>[2] = {}): CheckpointCoordinator {
    return new CheckpointCoordinator(
      taskIdsOf(this.graph),
      {
        intervalMs: this.options.checkpointInterval,
        timeoutMs: this.options.checkpointTimeout,
        minPauseMs: this.options.minPauseBetweenCheckpoints,
        retained: this.options.retainedCheckpoints,
      },
      options,
    );
  }

  get status(): JobStatus {
    return this.statusValue;
  }

  /** Resolves when the job reached a terminal state. */
  get terminated(): Promise<void> {
    return this.done;
  }

  get restarts(): number {
    return this.record.restarts;
  }

  get currentAttempt(): number {
    return this.attempt?.number ?? 0;
  }

  /** Task id -> worker and state of the current attempt. */
  tasks(): ReadonlyMap<string, Readonly<TaskStatus>> {
    return this.attempt?.tasks ?? new Map();
  }

  checkpointStats(): CheckpointCoordinatorStats {
    return this.coordinator.stats(Date.now());
  }

  /** Whether the job's current attempt has tasks on `workerId`. */
  usesWorker(workerId: string): boolean {
    return this.attempt !== null && !this.attempt.ended && this.attempt.workers.has(workerId);
  }

  private setStatus(status: JobStatus, patch: Partial<Pick<JobRecord, "failure" | "endedAt" | "startedAt" | "restarts" | "savepointPath">> = {}): void {
    this.statusValue = status;
    this.ctx.store.updateJob(this.jobId, { status, ...patch });
    this.record = { ...this.record, status, ...patch };
  }

  /**
   * Run the job to a terminal state. `resume` (a JobManager restart) starts from the latest checkpoint
   * in the job's directory, like a failover.
   */
  async run(resume: boolean): Promise<void> {
    try {
      await this.runAttempts(resume);
    } catch (error) {
      if (this.detached) return;
      log.warn(`job ${this.record.name} (${this.jobId}) failed: ${describeError(error)}`);
      this.setStatus("failed", { failure: describeError(error), endedAt: Date.now() });
    } finally {
      this.stopTicker();
      this.ctx.release(this.jobId);
      for (const waiter of this.savepointWaiters.values()) waiter.reject(new CheckpointError("JOB_FINISHING", `job ${this.record.name} ended before the savepoint completed`));
      this.savepointWaiters.clear();
      this.resolveDone();
    }
  }

  private async runAttempts(resume: boolean): Promise<void> {
    const strategy = createRestartStrategy(this.options.restartStrategy);
    const initial = this.options.fromSavepoint === undefined ? null : await this.loadSavepoint(this.options.fromSavepoint);
    let restore: { dir: string; checkpointId: number } | null = initial === null ? null : { dir: initial.location, checkpointId: initial.metadata.checkpointId };
    if (resume) {
      // Attempts of the previous JobManager numbered up to restarts + 1: continue after them, so late
      // messages of those attempts can never pass for the new ones. The resume counts as a restart.
      this.attemptCounter = this.record.restarts + 1;
      this.setStatus("restarting", { restarts: this.record.restarts + 1 });
      const latest = await loadLatestCheckpoint(this.storage);
      if (latest !== null) restore = { dir: join(this.storage.location, `chk-${latest.metadata.checkpointId}`), checkpointId: latest.metadata.checkpointId };
      // Checkpoint ids continue after the ones on disk; completed ones stay subject to retention.
      const completed = await this.storage.listCompleted();
      const highest = completed.reduce((m, c) => Math.max(m, c.checkpointId), 0);
      this.coordinator = this.newCoordinator({ startAfter: highest, existing: completed.filter((c) => !c.isSavepoint).map((c) => completedFromMetadata(c)) });
      if (restore !== null) this.ctx.note(`job ${this.record.name} (${this.jobId}) resumes from ${restore.dir}`);
    }
    for (;;) {
      if (this.detached) return;
      if (this.cancelRequested) {
        this.setStatus("cancelled", { endedAt: Date.now() });
        return;
      }
      const outcome = await this.runAttempt(restore);
      if (this.detached) return;
      if (outcome.kind === "finished") {
        await this.awaitFinalCheckpoint();
        this.handle(this.coordinator.shutdown(Date.now(), "the job finished"));
        this.setStatus("finished", { endedAt: Date.now() });
        this.ctx.note(`job ${this.record.name} (${this.jobId}) finished`);
        return;
      }
      this.handle(this.coordinator.suspend(Date.now(), "TASK_FAILED", `job attempt ${this.attemptCounter} ended`));
      if (outcome.kind === "cancelled" || this.cancelRequested) {
        this.setStatus("cancelled", { endedAt: Date.now() });
        this.ctx.note(`job ${this.record.name} (${this.jobId}) cancelled`);
        return;
      }
      const decision = strategy.onFailure(outcome.error, Date.now());
      if (!decision.restart) throw new Error(`${outcome.error.message} (no restart: ${decision.why})`);
      log.warn(`job ${this.record.name} (${this.jobId}) failed (${outcome.error.message}); restart ${decision.attempt} in ${decision.delayMs} ms`);
      this.setStatus("restarting", { restarts: this.record.restarts + 1 });
      this.attemptCounter = Math.max(this.attemptCounter, this.record.restarts);
      await sleep(decision.delayMs);
      while (this.coordinator.inFlight()?.phase === "PERSISTING") await sleep(5);
      const latest = await loadLatestCheckpoint(this.storage);
      if (latest !== null) restore = { dir: join(this.storage.location, `chk-${latest.metadata.checkpointId}`), checkpointId: latest.metadata.checkpointId };
      strategy.onRunning(Date.now());
    }
  }

  private async loadSavepoint(path: string): Promise<LoadedCheckpoint> {
    const dir = path.endsWith(METADATA_FILE) ? path.slice(0, -(METADATA_FILE.length + 1)) : path;
    const storage = FsCheckpointStorage.forSavepoint(dir);
    const metadata = await storage.readMetadata(dir);
    const loaded = await loadCheckpoint(storage, metadata, dir);
    checkCompatible(metadata, this.plan, this.options.allowNonRestoredState, path);
    return loaded;
  }

  /** Wait for slots, deploy one attempt, and wait for its outcome. */
  private async runAttempt(restore: { dir: string; checkpointId: number } | null): Promise<AttemptOutcome> {
    const placement = await this.waitForSlots();
    if (placement === null) return { kind: "cancelled" };
    const number = ++this.attemptCounter;
    const tasks = new Map<string, TaskStatus>();
    const workers = new Set<string>();
    for (const [taskId, slot] of placement.placement) {
      tasks.set(taskId, { workerId: slot.workerId, state: "deploying" });
      workers.add(slot.workerId);
    }
    let resolve!: (o: AttemptOutcome) => void;
    const outcome = new Promise<AttemptOutcome>((r) => (resolve = r));
    const attempt: Attempt = { number, tasks, workers, finished: 0, ended: false, resolve: (o) => {
      if (attempt.ended) return;
      attempt.ended = true;
      resolve(o);
    } };
    this.attempt = attempt;
    this.ctx.allocate(this.jobId, placement.sharedSlots);
    const descriptor = this.descriptor(number, placement.placement, restore);
    const descriptorJson = JSON.stringify(descriptor);
    if (this.record.startedAt === null) this.setStatus("running", { startedAt: Date.now() });
    else this.setStatus("running");
    this.ctx.note(`job ${this.record.name} (${this.jobId}) attempt ${number}: deploying ${tasks.size} tasks to ${workers.size} worker(s)${restore === null ? "" : ` from ${restore.dir}`}`);
    const deployed = Promise.all(
      [...workers].map(async (workerId) => {
        const gateway = this.ctx.workerGateway(workerId);
        if (gateway === undefined) throw new Error(`worker ${workerId} is gone`);
        try {
          await gateway.deployTasks({ jobId: this.jobId as JobId, attempt: number, descriptorJson });
        } catch (error) {
          if (error instanceof BicycleError && error.domain === "external") this.ctx.workerUnreachable(workerId, describeError(error));
          throw error;
        }
      }),
    );
    deployed.catch((error: unknown) => attempt.resolve({ kind: "failed", error: new Error(`deployment failed: ${describeError(error)}`) }));
    this.coordinator.start(Date.now());
    this.startTicker();
    const result = await outcome;
    this.stopTicker();
    if (result.kind !== "finished" && !this.detached) await this.cancelAttempt(attempt);
    this.ctx.release(this.jobId);
    return result;
  }

  private descriptor(attempt: number, placement: ReadonlyMap<string, SlotAssignment>, restore: { dir: string; checkpointId: number } | null): AttemptDescriptor {
    const workers: Record<string, { host: string; dataPort: number }> = {};
    const place: Record<string, { workerId: string; slot: number }> = {};
    for (const [taskId, slot] of placement) {
      place[taskId] = { workerId: slot.workerId, slot: slot.slot };
      const address = this.ctx.workerAddress(slot.workerId);
      if (address !== undefined) workers[slot.workerId] = address;
    }
    return {
      jobId: this.jobId,
      jobName: this.record.name,
      attempt,
      planJson: this.record.planJson,
      bundleHash: this.record.bundleHash,
      planHash: this.planHash,
      options: {
        chaining: this.options.chaining,
        channelCapacity: this.options.channelCapacity,
        alignmentTimeoutMs: this.options.alignmentTimeout,
        stateBackend: this.options.stateBackend,
      },
      envOptionsJson: envOptionsForWorkers(this.options),
      channelBase: this.ctx.store.allocateChannelIds(channelCount(this.graph)),
      placement: place,
      workers,
      checkpointDir: this.storage.location,
      restore,
    };
  }


  private async waitForSlots(): Promise<{ sharedSlots: SlotAssignment[]; placement: Map<string, SlotAssignment> } | null> {
    const deadline = Date.now() + this.ctx.slotWaitTimeoutMs;
    let logged = false;
    for (;;) {
      if (this.cancelRequested) return null;
      const result = scheduleJob(this.graph, this.ctx.freeSlots());
      if (result.ok) return result;
      if (Date.now() >= deadline) {
        throw new Error(`not enough slots: the job needs ${result.required}, the cluster has ${result.available} free (waited ${this.ctx.slotWaitTimeoutMs} ms)`);
      }
      if (!logged) this.ctx.note(`job ${this.record.name} (${this.jobId}) waits for slots: needs ${result.required}, ${result.available} free`);
      logged = true;
      await this.ctx.slotsChanged.wait(Math.min(1000, Math.max(1, deadline - Date.now())));
    }
  }

  private async cancelAttempt(attempt: Attempt): Promise<void> {
    await Promise.all(
      [...attempt.workers].map(async (workerId) => {
        try {
          await this.ctx.workerGateway(workerId)?.cancelTasks({ jobId: this.jobId as JobId, attempt: attempt.number });
        } catch (error) {
          log.debug(`cancelling job ${this.jobId} attempt ${attempt.number} on worker ${workerId}: ${describeError(error)}`);
        }
      }),
    );
  }

  private startTicker(): void {
    this.stopTicker();
    this.ticker = setInterval(() => this.handle(this.coordinator.tick(Date.now())), TICK_MS);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  // ---- messages from workers ----

  onTaskState(update: rpc.TaskStateUpdateRequest): void {
    const attempt = this.attempt;
    if (attempt === null || attempt.number !== update.attempt || attempt.ended) return;
    const task = attempt.tasks.get(update.taskId);
    if (task === undefined) return;
    if (task.state === "finished" || task.state === "failed") return;
    task.state = update.state;
    if (update.error !== undefined) task.error = update.error;
    if (update.metrics !== undefined) task.metrics = update.metrics;
    switch (update.state) {
      case "finished":
        attempt.finished++;
        this.onTaskFinished();
        if (attempt.finished === attempt.tasks.size) attempt.resolve({ kind: "finished" });
        return;
      case "failed":
        attempt.resolve({ kind: "failed", error: new Error(`task ${update.taskId} on worker ${update.workerId} failed: ${update.error ?? "unknown error"}`) });
        return;
      case "cancelled":
        attempt.resolve(this.cancelRequested ? { kind: "cancelled" } : { kind: "failed", error: new Error(`task ${update.taskId} on worker ${update.workerId} was cancelled`) });
        return;
      default:
        return;
    }
  }

  /** Task counters from a worker heartbeat. */
  onMetrics(workerId: string, metrics: rpc.TaskMetrics): void {
    const task = this.attempt?.tasks.get(metrics.taskId);
    if (task !== undefined && task.workerId === workerId) task.metrics = metrics;
  }

  /** A worker holding tasks of the current attempt is gone: fail over. */
  onWorkerLost(workerId: string, reason: string): void {
    const attempt = this.attempt;
    if (attempt === null || attempt.ended || !attempt.workers.has(workerId)) return;
    attempt.workers.delete(workerId);
    attempt.resolve({ kind: "failed", error: new Error(`worker ${workerId} was lost: ${reason}`) });
  }

  onAcknowledge(ack: rpc.AcknowledgeCheckpointRequest): void {
    if (this.attempt?.number !== ack.attempt) return;
    const { taskId, file, sizeBytes, checksum, operators } = ack;
    this.handle(this.coordinator.acknowledge(ack.checkpointId, taskId, { taskId, file, sizeBytes, checksum, operators }, Date.now()));
  }

  onDecline(decline: rpc.DeclineCheckpointRequest): void {
    if (this.attempt?.number !== decline.attempt) return;
    this.handle(this.coordinator.decline(decline.checkpointId, decline.taskId, "TASK_DECLINED", decline.reason, Date.now()));
  }

  private onTaskFinished(): void {
    const inFlight = this.coordinator.inFlight();
    if (inFlight !== null && inFlight.phase === "ACKING" && inFlight.checkpointId !== this.stopSavepointId) {
      this.handle(this.coordinator.decline(inFlight.checkpointId, taskIdOf(this.graph.vertices[0]!.id, 0), "NOT_ALL_TASKS_RUNNING", "a task finished before the checkpoint completed", Date.now()));
    }
  }

  // ---- control ----

  cancel(): void {
    if (this.statusValue === "finished" || this.statusValue === "failed" || this.statusValue === "cancelled") return;
    this.cancelRequested = true;
    this.setStatus("cancelling");
    this.attempt?.resolve({ kind: "cancelled" });
  }

  /** Take a savepoint into `dir` (then stop the job with `thenStop`); resolves with the savepoint's id and path. */
  async savepoint(dir: string, thenStop: boolean): Promise<{ checkpointId: number; path: string }> {
    const attempt = this.attempt;
    if (this.statusValue !== "running" || attempt === null || attempt.ended || attempt.finished > 0 || [...attempt.tasks.values()].some((t) => t.state !== "running")) {
      throw new CheckpointError("NOT_ALL_TASKS_RUNNING", `job ${this.record.name} is not running with all its tasks (status ${this.statusValue}); no savepoint can be taken`);
    }
    if (existsSync(join(dir, METADATA_FILE))) {
      throw new CheckpointError("STORAGE_WRITE_FAILED", `savepoint directory ${dir} already holds a savepoint; choose an empty or new directory`);
    }
    const actions = this.coordinator.triggerSavepoint(Date.now(), { dir, thenStop });
    if (actions instanceof CheckpointError) throw actions;
    const id = actions.find((a) => a.kind === "trigger" || a.kind === "savepoint-queued")?.checkpointId;
    if (id === undefined) throw new CheckpointError("COORDINATOR_SHUT_DOWN", `savepoint of job ${this.record.name} was not triggered`);
    if (thenStop) this.stopSavepointId = id;
    const path = new Promise<string>((resolve, reject) => this.savepointWaiters.set(id, { resolve, reject }));
    this.handle(actions);
    return { checkpointId: id, path: await path };
  }

  // ---- coordinator actions ----

  private handle(actions: readonly CoordinatorAction[]): void {
    const attempt = this.attempt;
    for (const action of actions) {
      switch (action.kind) {
        case "trigger": {
          if (attempt === null || attempt.ended || [...attempt.tasks.values()].some((t) => t.state !== "running")) {
            this.handle(this.coordinator.decline(action.checkpointId, taskIdOf(this.graph.vertices[0]!.id, 0), "NOT_ALL_TASKS_RUNNING", "not all tasks are running", Date.now()));
            break;
          }
          const targetDir = action.savepointDir ?? this.storage.location;
          for (const workerId of attempt.workers) {
            this.ctx
              .workerGateway(workerId)
              ?.triggerCheckpoint({
                jobId: this.jobId as JobId,
                attempt: attempt.number,
                checkpointId: action.checkpointId as CheckpointId,
                timestampMs: action.timestamp,
                isSavepoint: action.isSavepoint,
                thenStop: action.thenStop,
                targetDir,
              })
              .catch((error: unknown) => {
                this.handle(this.coordinator.decline(action.checkpointId, taskIdOf(this.graph.vertices[0]!.id, 0), "TASK_FAILED", `worker ${workerId}: ${describeError(error)}`, Date.now()));
              });
          }
          break;
        }
        case "persist":
          void this.persistMetadata(action.checkpoint);
          break;
        case "notify-complete":
        case "abort":
          if (action.kind === "abort") {
            log.debug(`job ${this.jobId}: checkpoint ${action.checkpointId} aborted: ${action.error.message}`);
            if (action.isSavepoint) {
              this.savepointWaiters.get(action.checkpointId)?.reject(action.error);
              this.savepointWaiters.delete(action.checkpointId);
            } else void this.storage.discard(action.checkpointId).catch(() => {});
            if (!action.wasTriggered) break;
          }
          if (attempt !== null) {
            const method = action.kind === "abort" ? "notifyCheckpointAborted" : "notifyCheckpointComplete";
            for (const workerId of attempt.workers) {
              this.ctx
                .workerGateway(workerId)
                ?.[method]({ jobId: this.jobId as JobId, checkpointId: action.checkpointId as CheckpointId, attempt: attempt.number })
                .catch((error: unknown) => log.debug(`job ${this.jobId}: ${method} to ${workerId}: ${describeError(error)}`));
            }
          }
          break;
        case "discard":
          void this.storage.discard(action.checkpointId).catch((e: unknown) => log.warn(`could not discard checkpoint ${action.checkpointId}: ${describeError(e)}`));
          break;
        case "savepoint-complete": {
          const waiter = this.savepointWaiters.get(action.checkpointId);
          this.savepointWaiters.delete(action.checkpointId);
          this.setStatus(this.statusValue, { savepointPath: action.dir });
          waiter?.resolve(action.dir);
          break;
        }
        case "savepoint-queued":
        case "ignored":
          break;
      }
    }
  }

  private async persistMetadata(checkpoint: Extract<CoordinatorAction, { kind: "persist" }>["checkpoint"]): Promise<void> {
    const placement: Record<string, { subtask: number; parallelism: number }> = {};
    for (const v of this.graph.vertices) for (let s = 0; s < v.parallelism; s++) placement[taskIdOf(v.id, s)] = { subtask: s, parallelism: v.parallelism };
    const storage = checkpoint.savepointDir === null ? this.storage : FsCheckpointStorage.forSavepoint(checkpoint.savepointDir);
    try {
      const metadata = buildCheckpointMetadata(checkpoint, {
        jobName: this.record.name,
        planHash: this.planHash,
        maxParallelism: this.plan.maxParallelism,
        completedAt: Date.now(),
        placement,
      });
      await storage.commit(metadata);
      const now = Date.now();
      this.ctx.store.recordCheckpoint({
        jobId: this.jobId,
        checkpointId: checkpoint.checkpointId,
        path: checkpoint.savepointDir ?? join(this.storage.location, `chk-${checkpoint.checkpointId}`),
        sizeBytes: checkpoint.totalSizeBytes,
        durationMs: now - checkpoint.timestamp,
        completedAt: now,
        kind: checkpoint.isSavepoint ? "savepoint" : "checkpoint",
      });
      this.handle(this.coordinator.persisted(checkpoint.checkpointId, now));
    } catch (error) {
      log.warn(`job ${this.jobId}: checkpoint ${checkpoint.checkpointId} could not be completed: ${describeError(error)}`);
      this.handle(this.coordinator.persistFailed(checkpoint.checkpointId, "STORAGE_WRITE_FAILED", describeError(error), Date.now(), error));
    }
  }

  /** After the tasks ended, a stop-with-savepoint or a checkpoint being persisted still completes. */
  private async awaitFinalCheckpoint(): Promise<void> {
    const deadline = Date.now() + this.options.checkpointTimeout;
    this.startTicker();
    try {
      for (;;) {
        const inFlight = this.coordinator.inFlight();
        if (inFlight === null || Date.now() > deadline) return;
        if (inFlight.phase !== "PERSISTING" && inFlight.checkpointId !== this.stopSavepointId) return;
        await sleep(2);
      }
    } finally {
      this.stopTicker();
    }
  }

  /** Stop supervising without touching the tasks (JobManager shutdown: a restarted one resumes the job). */
  detach(): void {
    this.detached = true;
    this.cancelRequested = true;
    this.stopTicker();
    this.attempt?.resolve({ kind: "cancelled" });
  }
}
