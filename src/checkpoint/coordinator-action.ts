/**
 * @module checkpoint/coordinator-action
 * What the CheckpointCoordinator asks its caller to do (CoordinatorAction), and the checkpoint records
 * those actions carry.
 */
import type { CheckpointError } from "./checkpoint-error.ts";
import type { CheckpointMetadata, TaskStateHandle } from "./checkpoint-metadata.ts";

/** A checkpoint whose tasks all acknowledged: what the caller writes as metadata. */
export interface PendingCheckpointData {
  readonly checkpointId: number;
  /** Trigger time, epoch ms. */
  readonly timestamp: number;
  readonly isSavepoint: boolean;
  /** Target directory of a savepoint; null for checkpoints (they go to `chk-<id>` of the job's storage). */
  readonly savepointDir: string | null;
  readonly thenStop: boolean;
  /** One handle per task, in the order of the coordinator's task ids. */
  readonly tasks: readonly TaskStateHandle[];
  readonly totalSizeBytes: number;
}

/** A checkpoint that can be restored. */
export interface CompletedCheckpoint extends PendingCheckpointData {
  readonly completedAt: number;
}

/**
 * The CompletedCheckpoint a stored checkpoint stands for (for the coordinator's `existing` and
 * `restoredFrom` when a job resumes). `savepointDir` is where its files are when it is not a `chk-N`
 * of the job's own storage.
 */
export function completedFromMetadata(metadata: CheckpointMetadata, savepointDir: string | null = null): CompletedCheckpoint {
  return {
    checkpointId: metadata.checkpointId,
    timestamp: metadata.timestamp,
    completedAt: metadata.completedAt,
    isSavepoint: metadata.isSavepoint,
    savepointDir,
    thenStop: false,
    tasks: metadata.tasks,
    totalSizeBytes: metadata.tasks.reduce((sum, t) => sum + t.sizeBytes, 0),
  };
}

/** Why an acknowledge or decline was ignored. */
export type IgnoredMessageReason = "UNKNOWN_CHECKPOINT" | "LATE" | "UNKNOWN_TASK" | "DUPLICATE";

export type CoordinatorAction =
  /** Inject barrier `checkpointId` at every source task. */
  | { readonly kind: "trigger"; readonly checkpointId: number; readonly timestamp: number; readonly isSavepoint: boolean; readonly savepointDir: string | null; readonly thenStop: boolean }
  /** The savepoint got id `checkpointId` and will be triggered when checkpoint `behind` ends. */
  | { readonly kind: "savepoint-queued"; readonly checkpointId: number; readonly behind: number }
  /** Write the metadata (last, atomically), then call `persisted` or `persistFailed`. */
  | { readonly kind: "persist"; readonly checkpoint: PendingCheckpointData }
  /** Send notifyCheckpointComplete to every task. */
  | { readonly kind: "notify-complete"; readonly checkpointId: number }
  /** A savepoint is complete at `dir`; answer the request (and finish the job when `thenStop`). */
  | { readonly kind: "savepoint-complete"; readonly checkpointId: number; readonly dir: string; readonly thenStop: boolean }
  /**
   * The checkpoint failed: discard whatever it wrote, and when `wasTriggered` tell the tasks
   * (notifyCheckpointAborted). A queued savepoint that never started has `wasTriggered: false`.
   */
  | { readonly kind: "abort"; readonly checkpointId: number; readonly isSavepoint: boolean; readonly wasTriggered: boolean; readonly error: CheckpointError }
  /** Delete completed checkpoint `checkpointId` from storage (retention). */
  | { readonly kind: "discard"; readonly checkpointId: number }
  /** An acknowledge or decline that did not count; the caller may delete a late ack's state file. */
  | { readonly kind: "ignored"; readonly checkpointId: number; readonly taskId: string; readonly why: IgnoredMessageReason };
