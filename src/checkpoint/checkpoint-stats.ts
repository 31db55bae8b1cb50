/**
 * @module checkpoint/checkpoint-stats
 * Checkpoint statistics for the REST API and the dashboard: counts and the last N checkpoints with
 * their status, duration and state sizes per task (Flink's CheckpointStatsTracker).
 */
import type { CheckpointError, CheckpointFailureReason } from "./checkpoint-error.ts";

export type CheckpointStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";

export interface CheckpointStats {
  readonly checkpointId: number;
  readonly isSavepoint: boolean;
  readonly status: CheckpointStatus;
  readonly triggeredAt: number;
  readonly endedAt: number | null;
  readonly latestAckAt: number | null;
  /** End minus trigger; for a checkpoint in progress, `now` minus trigger when `stats(now)` got a time. */
  readonly durationMs: number | null;
  readonly acknowledgedTasks: number;
  readonly totalTasks: number;
  readonly totalSizeBytes: number;
  readonly taskSizes: Readonly<Record<string, number>>;
  readonly failureReason: CheckpointFailureReason | null;
  readonly failureMessage: string | null;
}

export interface CheckpointCoordinatorStats {
  /** `triggered` counts ids handed out (a queued savepoint counts when queued). */
  readonly counts: { readonly triggered: number; readonly inProgress: number; readonly completed: number; readonly failed: number };
  /** Newest first, at most `historySize` entries. */
  readonly history: readonly CheckpointStats[];
  readonly latestCompleted: CheckpointStats | null;
  readonly latestFailed: CheckpointStats | null;
}

/** The tracker's live record of one checkpoint. */
export interface CheckpointStatsEntry {
  readonly checkpointId: number;
  readonly isSavepoint: boolean;
  readonly triggeredAt: number;
  status: CheckpointStatus;
  endedAt: number | null;
  latestAckAt: number | null;
  readonly taskSizes: Map<string, number>;
  failureReason: CheckpointFailureReason | null;
  failureMessage: string | null;
}

/** Remembers the last `historySize` checkpoints and counts all of them. */
export class CheckpointStatsTracker {
  private readonly entries: CheckpointStatsEntry[] = [];
  private readonly counts = { triggered: 0, completed: 0, failed: 0 };

  constructor(
    private readonly historySize: number,
    private readonly totalTasks: number,
  ) {}

  /** A checkpoint id was handed out (triggered now or queued). */
  countTriggered(): void {
    this.counts.triggered++;
  }

  begin(checkpointId: number, isSavepoint: boolean, triggeredAt: number): CheckpointStatsEntry {
    const entry: CheckpointStatsEntry = { checkpointId, isSavepoint, triggeredAt, status: "IN_PROGRESS", endedAt: null, latestAckAt: null, taskSizes: new Map(), failureReason: null, failureMessage: null };
    this.entries.push(entry);
    if (this.entries.length > this.historySize) this.entries.splice(0, this.entries.length - this.historySize);
    return entry;
  }

  acknowledged(entry: CheckpointStatsEntry, taskId: string, sizeBytes: number, now: number): void {
    entry.taskSizes.set(taskId, sizeBytes);
    entry.latestAckAt = now;
  }

  completed(entry: CheckpointStatsEntry, now: number): void {
    entry.status = "COMPLETED";
    entry.endedAt = now;
    this.counts.completed++;
  }

  failed(entry: CheckpointStatsEntry, error: CheckpointError, now: number): void {
    entry.status = "FAILED";
    entry.endedAt = now;
    entry.failureReason = error.reason;
    entry.failureMessage = error.message;
    this.counts.failed++;
  }

  /** A snapshot of the statistics; `now` gives checkpoints in progress a running duration. */
  snapshot(inProgress: number, now?: number): CheckpointCoordinatorStats {
    const history = [...this.entries].reverse().map((e) => this.view(e, now));
    return {
      counts: { triggered: this.counts.triggered, inProgress, completed: this.counts.completed, failed: this.counts.failed },
      history,
      latestCompleted: history.find((s) => s.status === "COMPLETED") ?? null,
      latestFailed: history.find((s) => s.status === "FAILED") ?? null,
    };
  }

  private view(e: CheckpointStatsEntry, now: number | undefined): CheckpointStats {
    const end = e.endedAt ?? (e.status === "IN_PROGRESS" ? (now ?? null) : null);
    let total = 0;
    for (const size of e.taskSizes.values()) total += size;
    return {
      checkpointId: e.checkpointId,
      isSavepoint: e.isSavepoint,
      status: e.status,
      triggeredAt: e.triggeredAt,
      endedAt: e.endedAt,
      latestAckAt: e.latestAckAt,
      durationMs: end === null ? null : end - e.triggeredAt,
      acknowledgedTasks: e.taskSizes.size,
      totalTasks: this.totalTasks,
      totalSizeBytes: total,
      taskSizes: Object.fromEntries(e.taskSizes),
      failureReason: e.failureReason,
      failureMessage: e.failureMessage,
    };
  }
}
