/**
 * @module runtime/local/job-runner
 * The JobMaster of an in-process job: owns its CheckpointCoordinator, checkpoint storage and restart
 * strategy across execution attempts.
 *
 * Recovery (Flink's region-less "restart all" failover):
 *   attempt fails -> cancel all its tasks -> suspend the coordinator (aborts the in-flight checkpoint,
 *   unless its _metadata is being written: wait for that) -> restart strategy decides -> after the
 *   delay, load the latest completed checkpoint (falling back past corrupt ones; the savepoint the job
 *   started from if none) -> a new attempt restores every operator from it and continues.
 * Sources restore their read positions and operators their state, so every record after the
 * checkpoint is processed again and keyed state ends exactly as in a run without failures. (As in
 * Flink, watermarks are not part of the state: after a restore they start again from the sources.)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  CheckpointCoordinator,
  CheckpointError,
  FsCheckpointStorage,
  METADATA_FILE,
  type CheckpointCoordinatorStats,
  type CoordinatorAction,
} from "../../checkpoint/index.ts";
import { CancelledError, describeError, log, newJobId, type MetricGroup } from "../../core/index.ts";
import { buildJobGraph, planHash, type JobDefinition, type JobGraph, type RestartStrategyConfig } from "../../plan/index.ts";
import type { StateBackend } from "../../state/index.ts";
import { METRIC_UNALIGNED_CHECKPOINTS } from "../events.ts";
import { createRestartStrategy } from "../recovery/restart-strategy.ts";
import { JobAttempt, taskIdOf } from "./job-attempt.ts";
import { checkCompatible, loadCheckpoint, loadLatestCheckpoint, type LoadedCheckpoint } from "./restore-loader.ts";

export interface JobRunOptions {
  readonly chaining: boolean;
  readonly channelCapacity: number;
  readonly checkpointInterval: number;
  readonly checkpointTimeout: number;
  readonly minPauseBetweenCheckpoints: number;
  readonly alignmentTimeout: number;
  readonly retainedCheckpoints: number;
  readonly checkpointDir: string | undefined;
  readonly restartStrategy: RestartStrategyConfig;
  readonly fromSavepoint: string | undefined;
  readonly allowNonRestoredState: boolean;
  /** A fresh state backend per attempt (disk backends get their own directory). */
  readonly createStateBackend: (attempt: number) => Promise<StateBackend> | StateBackend;
  readonly beforeSnapshotWrite?: (taskId: string, checkpointId: number) => void;
}

/** Metrics of one operator, summed over its subtasks. */
export interface OperatorMetrics {
  readonly name: string;
  readonly parallelism: number;
  readonly counters: Readonly<Record<string, number>>;
}

export interface JobExecutionResult {
  readonly jobName: string;
  readonly jobId: string;
  readonly durationMs: number;
  /** Per plan node id, summed over the subtasks of the last attempt. */
  readonly operators: Readonly<Record<string, OperatorMetrics>>;
  /** Most data batches any channel held at once in the last attempt (bounded by the capacity). */
  readonly maxChannelBacklog: number;
  /** How often the job was restarted after failures. */
  readonly restarts: number;
  /** Task snapshots taken unaligned (alignment timed out), over all attempts. */
  readonly unalignedCheckpoints: number;
  readonly checkpoints: CheckpointCoordinatorStats;
  /** Set when the job ended by stop-with-savepoint: where the savepoint is. */
  readonly stoppedWithSavepoint?: string;
  /** Where this job's checkpoints are. */
  readonly checkpointDir: string;
}

/** Control of a running job. */
export interface RunningJob {
  readonly jobId: string;
  cancel(): void;
  /** Take a savepoint into `dir`; resolves with its path. */
  savepoint(dir: string): Promise<string>;
  /** Take a savepoint into `dir`, then stop the job (the job's promise resolves). */
  stopWithSavepoint(dir: string): Promise<string>;
  checkpointStats(): CheckpointCoordinatorStats;
  /** Live metrics per node id, summed over subtasks. */
  metrics(): Record<string, OperatorMetrics>;
  readonly restarts: number;
}

function sumMetrics(graph: JobGraph, groups: readonly ReadonlyMap<string, MetricGroup>[]): Record<string, OperatorMetrics> {
  const out: Record<string, OperatorMetrics> = {};
  for (const node of graph.plan.nodes) {
    const counters: Record<string, number> = {};
    for (const perTask of groups) {
      const group = perTask.get(node.id);
      if (group === undefined) continue;
      for (const [k, v] of Object.entries(group.snapshot())) counters[k] = (counters[k] ?? 0) + v;
    }
    out[node.id] = { name: node.name, parallelism: node.parallelism, counters };
  }
  return out;
}

function countUnaligned(operators: Record<string, OperatorMetrics>): number {
  return Object.values(operators).reduce((n, o) => n + (o.counters[METRIC_UNALIGNED_CHECKPOINTS] ?? 0), 0);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalJobRunner implements RunningJob {
  readonly jobId = newJobId();
  private readonly graph: JobGraph;
  private readonly coordinator: CheckpointCoordinator;
  private readonly storage: FsCheckpointStorage;
  private attempt: JobAttempt | null = null;
  private cancelled: CancelledError | null = null;
  private savepointWaiters = new Map<number, { resolve: (path: string) => void; reject: (e: unknown) => void; dir: string }>();
  private stoppedWith: string | undefined;
  private stopSavepointId: number | undefined;
  restarts = 0;
  private unalignedInEarlierAttempts = 0;

  constructor(
    private readonly job: JobDefinition,
    private readonly options: JobRunOptions,
  ) {
    this.graph = buildJobGraph(job.plan, { chaining: options.chaining });
    const safeName = job.plan.name.replace(/[^a-zA-Z0-9_.-]+/g, "_");
    const dir = join(options.checkpointDir ?? join(tmpdir(), "bicycle-checkpoints"), `${safeName}-${this.jobId}`);
    this.storage = new FsCheckpointStorage(dir);
    const taskIds = this.graph.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, s) => taskIdOf(v, s)));
    this.coordinator = new CheckpointCoordinator(taskIds, {
      intervalMs: options.checkpointInterval,
      timeoutMs: options.checkpointTimeout,
      minPauseMs: options.minPauseBetweenCheckpoints,
      retained: options.retainedCheckpoints,
    });
  }

  private async loadSavepoint(path: string): Promise<LoadedCheckpoint> {
    const storage = FsCheckpointStorage.forSavepoint(path);
    const metadata = await storage.readMetadata(path);
    const dir = path.endsWith("_metadata") ? path.slice(0, -"/_metadata".length) : path;
    const loaded = await loadCheckpoint(FsCheckpointStorage.forSavepoint(dir), metadata, dir);
    checkCompatible(metadata, this.job.plan, this.options.allowNonRestoredState, path);
    return loaded;
  }

  private onAction(action: CoordinatorAction): void {
    if (action.kind === "savepoint-complete") {
      const waiter = this.savepointWaiters.get(action.checkpointId);
      this.savepointWaiters.delete(action.checkpointId);
      if (action.thenStop) this.stoppedWith = action.dir;
      waiter?.resolve(action.dir);
    } else if (action.kind === "abort" && action.isSavepoint) {
      const waiter = this.savepointWaiters.get(action.checkpointId);
      this.savepointWaiters.delete(action.checkpointId);
      waiter?.reject(action.error);
    }
  }

  /** Run to the end, restarting from checkpoints on failure as the restart strategy allows. */
  async run(): Promise<JobExecutionResult> {
    const started = performance.now();
    const strategy = createRestartStrategy(this.options.restartStrategy);
    let restore: LoadedCheckpoint | null = this.options.fromSavepoint === undefined ? null : await this.loadSavepoint(this.options.fromSavepoint);
    const initial = restore;
    for (let attemptNumber = 0; ; attemptNumber++) {
      const attempt = new JobAttempt({
        graph: this.graph,
        functions: this.job.functions,
        stateBackend: await this.options.createStateBackend(attemptNumber),
        restore: restore?.state ?? null,
        channelCapacity: this.options.channelCapacity,
        alignmentTimeoutMs: this.options.alignmentTimeout,
        coordinator: this.coordinator,
        storage: this.storage,
        jobName: this.job.plan.name,
        planHash: planHash(this.job.plan),
        onAction: (a) => this.onAction(a),
        ...(this.options.beforeSnapshotWrite === undefined ? {} : { beforeSnapshotWrite: this.options.beforeSnapshotWrite }),
      });
      this.attempt = attempt;
      if (restore !== null) log.info(`job '${this.job.plan.name}': restoring from ${restore.location}`);
      try {
        await attempt.build();
        log.debug(`job '${this.job.plan.name}' (${this.jobId}) attempt ${attemptNumber + 1}: ${this.graph.vertices.length} vertices, ${attempt.taskIds.length} tasks`);
        if (this.cancelled !== null) throw this.cancelled;
        strategy.onRunning(Date.now());
        await attempt.run();
        await this.awaitFinalCheckpoint();
        attempt.handle(this.coordinator.shutdown(Date.now(), "the job finished"));
        const result = this.result(attempt, started);
        if (log.isEnabled("debug")) {
          for (const [id, m] of Object.entries(result.operators)) log.debug(`operator ${m.name} (${id}) x${m.parallelism}: ${JSON.stringify(m.counters)}`);
        }
        return result;
      } catch (error) {
        attempt.cancel(error);
        this.unalignedInEarlierAttempts += countUnaligned(sumMetrics(this.graph, attempt.metricGroups));
        attempt.handle(this.coordinator.suspend(Date.now(), "TASK_FAILED", `job attempt ${attemptNumber + 1} failed`));
        if (this.cancelled !== null || error instanceof CancelledError) throw this.cancelled ?? error;
        const decision = strategy.onFailure(error, Date.now());
        if (!decision.restart) {
          log.debug(`job '${this.job.plan.name}' fails: ${decision.reason}`);
          throw error;
        }
        log.warn(`job '${this.job.plan.name}' failed (${describeError(error)}); restart ${decision.attempt} in ${decision.delayMs} ms`);
        await sleep(decision.delayMs);
        // A checkpoint whose _metadata is being written completes: wait so it is not lost.
        while (this.coordinator.inFlight()?.phase === "PERSISTING") await sleep(5);
        if (this.cancelled !== null) throw this.cancelled;
        restore = (await loadLatestCheckpoint(this.storage)) ?? initial;
        this.restarts++;
      }
    }
  }

  /**
   * When the tasks have ended, a stop-with-savepoint (whose barrier ended them) still has acks and its
   * _metadata in flight, as may a checkpoint being persisted: let those finish before shutting down.
   */
  private async awaitFinalCheckpoint(): Promise<void> {
    const deadline = Date.now() + this.options.checkpointTimeout;
    for (;;) {
      const inFlight = this.coordinator.inFlight();
      if (inFlight === null || Date.now() > deadline) return;
      if (inFlight.phase !== "PERSISTING" && inFlight.checkpointId !== this.stopSavepointId) return;
      await sleep(2);
    }
  }

  private result(attempt: JobAttempt, started: number): JobExecutionResult {
    let maxBacklog = 0;
    for (const c of attempt.channels) maxBacklog = Math.max(maxBacklog, c.highWater);
    const operators = sumMetrics(this.graph, attempt.metricGroups);
    return {
      jobName: this.job.plan.name,
      jobId: this.jobId,
      durationMs: performance.now() - started,
      operators,
      maxChannelBacklog: maxBacklog,
      restarts: this.restarts,
      unalignedCheckpoints: this.unalignedInEarlierAttempts + countUnaligned(operators),
      checkpoints: this.coordinator.stats(Date.now()),
      checkpointDir: this.storage.location,
      ...(this.stoppedWith === undefined ? {} : { stoppedWithSavepoint: this.stoppedWith }),
    };
  }

  cancel(): void {
    this.cancelled = new CancelledError(`job '${this.job.plan.name}' cancelled`);
    this.attempt?.cancel(this.cancelled);
  }

  private requestSavepoint(dir: string, thenStop: boolean): Promise<string> {
    const attempt = this.attempt;
    if (attempt === null || !attempt.allTasksRunning) {
      return Promise.reject(new CheckpointError("NOT_ALL_TASKS_RUNNING", `job '${this.job.plan.name}' is not running with all its tasks; no savepoint can be taken`));
    }
    if (existsSync(join(dir, METADATA_FILE))) {
      return Promise.reject(new CheckpointError("STORAGE_WRITE_FAILED", `savepoint directory ${dir} already holds a savepoint; choose an empty or new directory`));
    }
    const actions = this.coordinator.triggerSavepoint(Date.now(), { dir, thenStop });
    if (actions instanceof CheckpointError) return Promise.reject(actions);
    const id = actions.find((a) => a.kind === "trigger" || a.kind === "savepoint-queued")?.checkpointId;
    if (thenStop) this.stopSavepointId = id;
    const promise = new Promise<string>((resolve, reject) => {
      if (id !== undefined) this.savepointWaiters.set(id, { resolve, reject, dir });
    });
    attempt.handle(actions);
    return promise;
  }

  savepoint(dir: string): Promise<string> {
    return this.requestSavepoint(dir, false);
  }

  stopWithSavepoint(dir: string): Promise<string> {
    return this.requestSavepoint(dir, true);
  }

  checkpointStats(): CheckpointCoordinatorStats {
    return this.coordinator.stats(Date.now());
  }

  metrics(): Record<string, OperatorMetrics> {
    return this.attempt === null ? {} : sumMetrics(this.graph, this.attempt.metricGroups);
  }
}
