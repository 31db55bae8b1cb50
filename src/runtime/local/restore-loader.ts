/**
 * @module runtime/local/restore-loader
 * Turns a completed checkpoint or savepoint on disk into the RestoreState tasks start from.
 *
 * Recovery rules:
 * - Only checkpoints whose `_metadata` exists and parses are candidates (the storage guarantees a
 *   half-written checkpoint has none); newest first.
 * - Every task file is read and verified against its checksum. A missing or corrupt file makes that
 *   checkpoint unusable: the error names the file, is logged, and the previous completed checkpoint
 *   is tried instead.
 * - Before a job starts from state, the state must fit it: same maxParallelism (key groups), and no
 *   state of an operator uid the job does not have, unless allowNonRestoredState.
 */
import { CheckpointError, completedFromMetadata, type CheckpointMetadata, type CheckpointStorage, type CompletedCheckpoint } from "../../checkpoint/index.ts";
import { describeError, log } from "../../core/index.ts";
import type { LogicalPlan } from "../../plan/index.ts";
import { decodeTaskSnapshot, indexSnapshots, type RestoreState, type TaskSnapshot } from "../checkpointing/task-snapshot.ts";

export interface LoadedCheckpoint {
  readonly metadata: CheckpointMetadata;
  readonly completed: CompletedCheckpoint;
  readonly state: RestoreState;
  /** Where it was read from (checkpoint directory or savepoint path), for messages. */
  readonly location: string;
}

/** Read and decode every task file of one checkpoint. */
export async function loadCheckpoint(storage: CheckpointStorage, metadata: CheckpointMetadata, savepointDir: string | null = null): Promise<LoadedCheckpoint> {
  const snapshots: TaskSnapshot[] = [];
  const where = savepointDir ?? metadata.checkpointId;
  for (const task of metadata.tasks) {
    const bytes = await storage.readTaskState(where, task.file, task.checksum);
    try {
      snapshots.push(decodeTaskSnapshot(bytes));
    } catch (error) {
      throw new CheckpointError("STATE_FILE_CORRUPT", `state file ${task.file} of checkpoint ${metadata.checkpointId} in ${storage.location} cannot be decoded: ${describeError(error)}`, {
        checkpointId: metadata.checkpointId,
        cause: error,
      });
    }
  }
  return {
    metadata,
    completed: completedFromMetadata(metadata, savepointDir),
    state: indexSnapshots(metadata.checkpointId, snapshots),
    location: savepointDir ?? `${storage.location}/chk-${metadata.checkpointId}`,
  };
}

/** The newest completed checkpoint that loads, falling back past corrupt ones; null when none. */
export async function loadLatestCheckpoint(storage: CheckpointStorage): Promise<LoadedCheckpoint | null> {
  for (const metadata of await storage.listCompleted()) {
    if (metadata.isSavepoint) continue;
    try {
      return await loadCheckpoint(storage, metadata);
    } catch (error) {
      log.warn(`checkpoint ${metadata.checkpointId} is unusable, trying the previous one: ${describeError(error)}`);
    }
  }
  return null;
}

/** Throws CheckpointError when `metadata`'s state does not fit `plan`. */
export function checkCompatible(metadata: CheckpointMetadata, plan: LogicalPlan, allowNonRestoredState: boolean, location: string): void {
  if (metadata.maxParallelism !== plan.maxParallelism) {
    throw new CheckpointError(
      "PLAN_MISMATCH",
      `state in ${location} was written with maxParallelism ${metadata.maxParallelism}, but the job has ${plan.maxParallelism}; key groups cannot be remapped`,
      { checkpointId: metadata.checkpointId },
    );
  }
  if (allowNonRestoredState) return;
  const uids = new Set(plan.nodes.map((n) => n.uid ?? n.id));
  const unknown = Object.keys(metadata.operators).filter((uid) => !uids.has(uid));
  if (unknown.length > 0) {
    throw new CheckpointError(
      "UNKNOWN_OPERATOR_STATE",
      `state in ${location} belongs to operators the job does not have: ${unknown.join(", ")}; give operators stable ids with uid(), or start with allowNonRestoredState`,
      { checkpointId: metadata.checkpointId },
    );
  }
}
