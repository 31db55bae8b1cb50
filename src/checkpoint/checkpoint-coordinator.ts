/**
 * @module checkpoint/checkpoint-coordinator
 * CheckpointCoordinator: the JobMaster-side decisions of the checkpoint protocol (when to trigger, which
 * acks count, when a checkpoint completes, times out or fails, what retention discards). Pure: no I/O,
 * no timers; the caller passes `now` and carries out the returned actions.
 *
 * Timeline of one checkpoint (maxConcurrent = 1):
 *
 *   tick(now) ── trigger N ──▶ acknowledge(N, t1) … acknowledge(N, tk) ── persist N ──▶ persisted(N)
 *                  │  ACKING                                  PERSISTING │                    │
 *                  │                                                      └─ persistFailed ─▶ abort N
 *                  ├─ decline(N, ti) ─────────────────────────────────────────────────────▶ abort N
 *                  └─ tick(now ≥ trigger + timeoutMs) ─────────────────────────────────────▶ abort N (TIMEOUT)
 *   persisted(N) ─▶ notify-complete N, discard (oldest beyond `retained`)
 *
 *   next periodic trigger at max(lastTrigger + intervalMs, lastEnd + minPauseMs), lastEnd = completion
 *   or failure of the previous checkpoint; nothing is triggered while one is in flight.
 *
 * Invariants:
 * - Checkpoint ids increase by one per id handed out, starting after `startAfter` (and after every id
 *   in `existing` / `restoredFrom`), so a resumed job never reuses a `chk-N` directory.
 * - At most one checkpoint is in flight (ACKING or PERSISTING), plus at most one queued savepoint.
 * - An ack counts once, only for the in-flight id and a known task; anything else comes back as an
 *   `ignored` action (late, duplicate, unknown), never as an error.
 * - The timeout covers ACKING only. Once the caller writes metadata (PERSISTING), only `persisted` or
 *   `persistFailed` ends the checkpoint — neither timeouts nor `suspend`/`shutdown` abort it, because a
 *   `_metadata` that reaches the disk is a completed checkpoint. A failover must therefore wait until
 *   `inFlight()` is no longer PERSISTING before it picks `latestCompleted()`.
 * - `notify-complete` is emitted for checkpoints and stop-with-savepoint savepoints, never for
 *   intermediate savepoints (as in Flink ≥ 1.15: a user-owned savepoint commits no side effects), and
 *   `latestCompleted()` is never older than the newest checkpoint whose completion was notified.
 * - Retention discards only periodic checkpoints, oldest first, keeping `retained`; savepoints are
 *   never discarded.
 *
 * Savepoints ignore the interval and min pause. Requested while a checkpoint is in flight, a savepoint
 * is queued (its id reserved at once, `savepoint-queued` returned) and triggered by the call that ends
 * the in-flight checkpoint; a second request while one is queued is refused (TOO_MANY_CONCURRENT).
 * A stop-with-savepoint (`thenStop`) ends periodic checkpointing (state STOPPING); if it fails the job
 * keeps running and periodic checkpoints resume.
 */
import { ConfigError, InternalError } from "../core/index.ts";
import { CheckpointError } from "./checkpoint-error.ts";
import type { CheckpointFailureReason } from "./checkpoint-error.ts";
import type { TaskStateHandle } from "./checkpoint-metadata.ts";
import { CheckpointStatsTracker } from "./checkpoint-stats.ts";
import type { CheckpointCoordinatorStats, CheckpointStatsEntry } from "./checkpoint-stats.ts";
import type { CompletedCheckpoint, CoordinatorAction, IgnoredMessageReason, PendingCheckpointData } from "./coordinator-action.ts";
import { checkpointCoordinatorConfigSchema } from "./coordinator-config.ts";
import type { CheckpointCoordinatorConfig, CheckpointCoordinatorConfigInput } from "./coordinator-config.ts";

/** Lifecycle of the coordinator's scheduling (not of one checkpoint). */
export type CoordinatorState = "CREATED" | "RUNNING" | "SUSPENDED" | "STOPPING" | "FINISHED" | "SHUT_DOWN";

const TRANSITIONS: Readonly<Record<CoordinatorState, readonly CoordinatorState[]>> = {
  CREATED: ["RUNNING", "SUSPENDED", "SHUT_DOWN"],
  RUNNING: ["SUSPENDED", "STOPPING", "SHUT_DOWN"],
  SUSPENDED: ["RUNNING", "SHUT_DOWN"],
  STOPPING: ["RUNNING", "FINISHED", "SUSPENDED", "SHUT_DOWN"],
  FINISHED: ["SHUT_DOWN"],
  SHUT_DOWN: [],
};

export interface CheckpointCoordinatorOptions {
  /** Ids start after this one (the highest id found in the job's checkpoint directory). */
  readonly startAfter?: number;
  /** Completed checkpoints already in the job's checkpoint directory, subject to retention. */
  readonly existing?: readonly CompletedCheckpoint[];
  /** The checkpoint or savepoint the job restored from: `latestCompleted()` until a newer one completes. */
  readonly restoredFrom?: CompletedCheckpoint;
  /** How many checkpoints `stats()` remembers (default 50). */
  readonly historySize?: number;
}

interface SavepointRequest {
  readonly checkpointId: number;
  readonly dir: string;
  readonly thenStop: boolean;
  readonly requestedAt: number;
}

interface InFlight {
  readonly checkpointId: number;
  readonly triggeredAt: number;
  readonly savepoint: SavepointRequest | null;
  phase: "ACKING" | "PERSISTING";
  readonly acks: Map<string, TaskStateHandle>;
  readonly stats: CheckpointStatsEntry;
}

export class CheckpointCoordinator {
  readonly config: CheckpointCoordinatorConfig;
  private readonly taskIds: readonly string[];
  private readonly taskSet: ReadonlySet<string>;
  private readonly tracker: CheckpointStatsTracker;
  private state: CoordinatorState = "CREATED";
  private nextId: number;
  private inflight: InFlight | null = null;
  private queued: SavepointRequest | null = null;
  /** Time of the last trigger (or of `start`): the interval counts from here. */
  private anchorAt = 0;
  /** End (completion or failure) of the last checkpoint: the min pause counts from here. */
  private lastEndAt: number | null = null;
  /** Completed periodic checkpoints still retained, oldest first. */
  private readonly retained: CompletedCheckpoint[];
  private latest: CompletedCheckpoint | null;

  /**
   * @param taskIds every task that must acknowledge a checkpoint (all tasks of the job)
   * @param config validated with `checkpointCoordinatorConfigSchema`; a bad value throws ConfigError
   */
  constructor(taskIds: readonly string[], config: CheckpointCoordinatorConfigInput = {}, options: CheckpointCoordinatorOptions = {}) {
    const parsed = checkpointCoordinatorConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; ");
      throw new ConfigError(`invalid checkpoint configuration: ${issues}`);
    }
    this.config = parsed.data;
    if (taskIds.length === 0) throw new InternalError("a checkpoint coordinator needs at least one task to acknowledge");
    this.taskSet = new Set(taskIds);
    if (this.taskSet.size !== taskIds.length) throw new InternalError(`duplicate task ids given to the checkpoint coordinator: ${taskIds.join(", ")}`);
    this.taskIds = [...taskIds];
    this.tracker = new CheckpointStatsTracker(options.historySize ?? 50, taskIds.length);
    const existing = (options.existing ?? []).filter((c) => !c.isSavepoint).sort((a, b) => a.checkpointId - b.checkpointId);
    this.retained = [...existing];
    this.latest = options.restoredFrom ?? null;
    const ids = [options.startAfter ?? 0, ...existing.map((c) => c.checkpointId), options.restoredFrom?.checkpointId ?? 0];
    this.nextId = Math.max(...ids) + 1;
  }

  /** The scheduling state. */
  get currentState(): CoordinatorState {
    return this.state;
  }

  /** The tasks that must acknowledge, in handle order. */
  get tasks(): readonly string[] {
    return this.taskIds;
  }

  /** All tasks run: start scheduling. The first periodic checkpoint is due `intervalMs` after `now`. */
  start(now: number): void {
    this.transition("RUNNING");
    this.anchorAt = now;
  }

  /**
   * Not all tasks run any more (a task failed, failover begins): stop scheduling, abort an ACKING
   * checkpoint with `reason` and drop a queued savepoint. A PERSISTING checkpoint stays until
   * `persisted`/`persistFailed` (see the invariants). Call `start` once the tasks run again.
   */
  suspend(now: number, reason: CheckpointFailureReason = "TASK_FAILED", message = "not all tasks are running (failover)"): CoordinatorAction[] {
    if (this.state === "SUSPENDED" || this.state === "FINISHED" || this.state === "SHUT_DOWN") return [];
    this.transition("SUSPENDED");
    return this.abortAll(reason, message, now);
  }

  /** The job ended or was cancelled: abort what is ACKING, drop the queue, never trigger again. */
  shutdown(now: number, message = "the checkpoint coordinator was shut down"): CoordinatorAction[] {
    if (this.state === "SHUT_DOWN") return [];
    this.transition("SHUT_DOWN");
    return this.abortAll("COORDINATOR_SHUT_DOWN", message, now);
  }

  /** Time-driven work: the timeout of an ACKING checkpoint and the periodic trigger. */
  tick(now: number): CoordinatorAction[] {
    const actions: CoordinatorAction[] = [];
    const current = this.inflight;
    if (current !== null && current.phase === "ACKING" && now >= current.triggeredAt + this.config.timeoutMs) {
      const missing = this.taskIds.filter((t) => !current.acks.has(t));
      const message = `checkpoint ${current.checkpointId} expired after ${this.config.timeoutMs} ms; ${missing.length} of ${this.taskIds.length} tasks did not acknowledge: ${missing.join(", ")}`;
      actions.push(...this.endWithFailure(new CheckpointError("TIMEOUT", message, { checkpointId: current.checkpointId }), now));
    }
    const due = this.periodicDueAt();
    if (due !== null && now >= due) {
      this.tracker.countTriggered();
      actions.push(this.trigger(now, null));
    }
    return actions;
  }

  /** The earliest time `tick` has something to do, or null: for the caller's timer. */
  nextDeadline(): number | null {
    const deadlines: number[] = [];
    if (this.inflight?.phase === "ACKING") deadlines.push(this.inflight.triggeredAt + this.config.timeoutMs);
    const due = this.periodicDueAt();
    if (due !== null) deadlines.push(due);
    return deadlines.length === 0 ? null : Math.min(...deadlines);
  }

  /** Trigger a checkpoint now (not a savepoint), subject to concurrency and the min pause. */
  triggerCheckpoint(now: number): CoordinatorAction[] | CheckpointError {
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    if (this.inflight !== null || this.queued !== null) return this.tooManyConcurrent();
    if (this.lastEndAt !== null && now < this.lastEndAt + this.config.minPauseMs) {
      return new CheckpointError("MIN_PAUSE_NOT_ELAPSED", `the minimum pause of ${this.config.minPauseMs} ms since the last checkpoint ended has ${this.lastEndAt + this.config.minPauseMs - now} ms left`);
    }
    this.tracker.countTriggered();
    return [this.trigger(now, null)];
  }

  /**
   * Take a savepoint into `dir` (ignoring interval and min pause). Queued behind an in-flight
   * checkpoint; refused when the coordinator is not running, the job is stopping, or a savepoint is
   * already queued.
   */
  triggerSavepoint(now: number, request: { readonly dir: string; readonly thenStop: boolean }): CoordinatorAction[] | CheckpointError {
    const refusal = this.refusal();
    if (refusal !== null) return refusal;
    if (this.queued !== null) return this.tooManyConcurrent();
    const savepoint: SavepointRequest = { checkpointId: this.nextId++, dir: request.dir, thenStop: request.thenStop, requestedAt: now };
    this.tracker.countTriggered();
    if (request.thenStop) this.transition("STOPPING");
    if (this.inflight !== null) {
      this.queued = savepoint;
      return [{ kind: "savepoint-queued", checkpointId: savepoint.checkpointId, behind: this.inflight.checkpointId }];
    }
    return [this.trigger(now, savepoint)];
  }

  /** Task `taskId` stored its state for `checkpointId`. Returns `persist` when it was the last ack. */
  acknowledge(checkpointId: number, taskId: string, handle: TaskStateHandle, now: number): CoordinatorAction[] {
    if (handle.taskId !== taskId) throw new InternalError(`checkpoint ${checkpointId}: task '${taskId}' acknowledged with a state handle of task '${handle.taskId}'`);
    const ignored = this.checkMessage(checkpointId, taskId);
    if (ignored !== null) return [ignored];
    const current = this.inflight!;
    current.acks.set(taskId, handle);
    this.tracker.acknowledged(current.stats, taskId, handle.sizeBytes, now);
    if (current.acks.size < this.taskIds.length) return [];
    current.phase = "PERSISTING";
    return [{ kind: "persist", checkpoint: this.pendingData(current) }];
  }

  /** Task `taskId` could not take checkpoint `checkpointId`: abort it (unless the message is stale). */
  decline(checkpointId: number, taskId: string, reason: CheckpointFailureReason, message: string, now: number, cause?: unknown): CoordinatorAction[] {
    const ignored = this.checkMessage(checkpointId, taskId);
    if (ignored !== null) return [ignored];
    const error = new CheckpointError(reason, `checkpoint ${checkpointId} declined by task '${taskId}': ${message}`, { checkpointId, ...(cause === undefined ? {} : { cause }) });
    return this.endWithFailure(error, now);
  }

  /** The metadata of `checkpointId` is durable: complete it, notify, apply retention, start a queued savepoint. */
  persisted(checkpointId: number, now: number): CoordinatorAction[] {
    const current = this.persisting(checkpointId, "persisted");
    const data = this.pendingData(current);
    const completed: CompletedCheckpoint = { ...data, completedAt: now };
    this.tracker.completed(current.stats, now);
    this.inflight = null;
    this.lastEndAt = now;
    const actions: CoordinatorAction[] = [];
    const savepoint = current.savepoint;
    if (savepoint === null) {
      this.latest = completed;
      actions.push({ kind: "notify-complete", checkpointId });
      this.retained.push(completed);
      while (this.retained.length > this.config.retained) actions.push({ kind: "discard", checkpointId: this.retained.shift()!.checkpointId });
    } else {
      if (savepoint.thenStop) {
        this.latest = completed;
        actions.push({ kind: "notify-complete", checkpointId });
        if (this.state === "STOPPING") this.transition("FINISHED");
      }
      actions.push({ kind: "savepoint-complete", checkpointId, dir: savepoint.dir, thenStop: savepoint.thenStop });
    }
    actions.push(...this.triggerQueued(now));
    return actions;
  }

  /** Writing the metadata of `checkpointId` failed: abort it. */
  persistFailed(checkpointId: number, reason: CheckpointFailureReason, message: string, now: number, cause?: unknown): CoordinatorAction[] {
    this.persisting(checkpointId, "persistFailed");
    return this.endWithFailure(new CheckpointError(reason, message, { checkpointId, ...(cause === undefined ? {} : { cause }) }), now);
  }

  /** The newest checkpoint to restore from: a completed checkpoint, stop-with-savepoint, or `restoredFrom`. */
  latestCompleted(): CompletedCheckpoint | null {
    return this.latest;
  }

  /** What is in flight, if anything (a failover waits while it is PERSISTING). */
  inFlight(): { readonly checkpointId: number; readonly phase: "ACKING" | "PERSISTING"; readonly isSavepoint: boolean; readonly queuedSavepoint: number | null } | null {
    if (this.inflight === null) return null;
    return { checkpointId: this.inflight.checkpointId, phase: this.inflight.phase, isSavepoint: this.inflight.savepoint !== null, queuedSavepoint: this.queued?.checkpointId ?? null };
  }

  /** Counts and the last `historySize` checkpoints, newest first. */
  stats(now?: number): CheckpointCoordinatorStats {
    return this.tracker.snapshot(this.inflight === null ? 0 : 1, now);
  }

  // ---- internals ----

  private transition(to: CoordinatorState): void {
    if (!TRANSITIONS[this.state].includes(to)) throw new InternalError(`checkpoint coordinator cannot go from ${this.state} to ${to}`);
    this.state = to;
  }

  /** The pre-flight refusal that applies to any trigger in the current state, or null. */
  private refusal(): CheckpointError | null {
    switch (this.state) {
      case "RUNNING":
        return null;
      case "CREATED":
      case "SUSPENDED":
        return new CheckpointError("NOT_ALL_TASKS_RUNNING", `not all ${this.taskIds.length} tasks of the job are running (coordinator ${this.state})`);
      case "STOPPING":
      case "FINISHED":
        return new CheckpointError("JOB_FINISHING", `the job is stopping with a savepoint (coordinator ${this.state}); no further checkpoints are taken`);
      case "SHUT_DOWN":
        return new CheckpointError("COORDINATOR_SHUT_DOWN", "the checkpoint coordinator was shut down; no further checkpoints are taken");
    }
  }

  private tooManyConcurrent(): CheckpointError {
    const busy = [this.inflight === null ? null : `checkpoint ${this.inflight.checkpointId} is in progress`, this.queued === null ? null : `savepoint ${this.queued.checkpointId} is queued`];
    return new CheckpointError("TOO_MANY_CONCURRENT", `${busy.filter((s) => s !== null).join(" and ")} (max concurrent: ${this.config.maxConcurrent})`);
  }

  /** When the next periodic checkpoint is due, or null when none is scheduled. */
  private periodicDueAt(): number | null {
    if (this.state !== "RUNNING" || this.config.intervalMs === 0 || this.inflight !== null || this.queued !== null) return null;
    const byInterval = this.anchorAt + this.config.intervalMs;
    return this.lastEndAt === null ? byInterval : Math.max(byInterval, this.lastEndAt + this.config.minPauseMs);
  }

  private trigger(now: number, savepoint: SavepointRequest | null): CoordinatorAction {
    const checkpointId = savepoint?.checkpointId ?? this.nextId++;
    const stats = this.tracker.begin(checkpointId, savepoint !== null, now);
    this.inflight = { checkpointId, triggeredAt: now, savepoint, phase: "ACKING", acks: new Map(), stats };
    this.anchorAt = now;
    return { kind: "trigger", checkpointId, timestamp: now, isSavepoint: savepoint !== null, savepointDir: savepoint?.dir ?? null, thenStop: savepoint?.thenStop ?? false };
  }

  private triggerQueued(now: number): CoordinatorAction[] {
    const queued = this.queued;
    if (queued === null || (this.state !== "RUNNING" && this.state !== "STOPPING")) return [];
    const action = this.trigger(now, queued);
    this.queued = null;
    return [action];
  }

  /** An ignored action when the message does not concern the in-flight checkpoint, else null. */
  private checkMessage(checkpointId: number, taskId: string): CoordinatorAction | null {
    const ignore = (why: IgnoredMessageReason): CoordinatorAction => ({ kind: "ignored", checkpointId, taskId, why });
    if (!this.taskSet.has(taskId)) return ignore("UNKNOWN_TASK");
    const current = this.inflight;
    if (current === null || current.checkpointId !== checkpointId) {
      const handedOut = checkpointId < this.nextId && checkpointId !== this.queued?.checkpointId;
      return ignore(handedOut ? "LATE" : "UNKNOWN_CHECKPOINT");
    }
    if (current.phase === "PERSISTING" || current.acks.has(taskId)) return ignore("DUPLICATE");
    return null;
  }

  private persisting(checkpointId: number, call: string): InFlight {
    const current = this.inflight;
    if (current === null || current.checkpointId !== checkpointId || current.phase !== "PERSISTING") {
      const actual = current === null ? "nothing is in flight" : `checkpoint ${current.checkpointId} is ${current.phase}`;
      throw new InternalError(`${call}(${checkpointId}) but checkpoint ${checkpointId} is not being persisted (${actual})`);
    }
    return current;
  }

  private pendingData(current: InFlight): PendingCheckpointData {
    const tasks = this.taskIds.flatMap((t) => {
      const handle = current.acks.get(t);
      return handle === undefined ? [] : [handle];
    });
    return {
      checkpointId: current.checkpointId,
      timestamp: current.triggeredAt,
      isSavepoint: current.savepoint !== null,
      savepointDir: current.savepoint?.dir ?? null,
      thenStop: current.savepoint?.thenStop ?? false,
      tasks,
      totalSizeBytes: tasks.reduce((sum, h) => sum + h.sizeBytes, 0),
    };
  }

  /** End the in-flight checkpoint as failed; a failed stop-with-savepoint resumes periodic checkpoints. */
  private endWithFailure(error: CheckpointError, now: number): CoordinatorAction[] {
    const current = this.inflight;
    if (current === null) return [];
    this.tracker.failed(current.stats, error, now);
    this.inflight = null;
    this.lastEndAt = now;
    if (current.savepoint?.thenStop === true && this.state === "STOPPING") this.transition("RUNNING");
    const abort: CoordinatorAction = { kind: "abort", checkpointId: current.checkpointId, isSavepoint: current.savepoint !== null, wasTriggered: true, error };
    return [abort, ...this.triggerQueued(now)];
  }

  /** Abort an ACKING checkpoint and drop the queued savepoint (suspend/shutdown). */
  private abortAll(reason: CheckpointFailureReason, message: string, now: number): CoordinatorAction[] {
    const actions: CoordinatorAction[] = [];
    const current = this.inflight;
    if (current !== null && current.phase === "ACKING") {
      const error = new CheckpointError(reason, message, { checkpointId: current.checkpointId });
      this.tracker.failed(current.stats, error, now);
      this.inflight = null;
      this.lastEndAt = now;
      actions.push({ kind: "abort", checkpointId: current.checkpointId, isSavepoint: current.savepoint !== null, wasTriggered: true, error });
    }
    const queued = this.queued;
    if (queued !== null) {
      this.queued = null;
      const error = new CheckpointError(reason, `savepoint ${queued.checkpointId} was dropped before it started: ${message}`, { checkpointId: queued.checkpointId });
      this.tracker.failed(this.tracker.begin(queued.checkpointId, true, queued.requestedAt), error, now);
      actions.push({ kind: "abort", checkpointId: queued.checkpointId, isSavepoint: true, wasTriggered: false, error });
    }
    return actions;
  }
}
