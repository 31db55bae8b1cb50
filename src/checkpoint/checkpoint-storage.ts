/**
 * @module checkpoint/checkpoint-storage
 * CheckpointStorage: where task state files and checkpoint metadata land, separate from the state
 * backend that produces the bytes (as StreamTask keeps stateBackend and checkpointStorage apart in Flink).
 * Implementations live in storage/; every one passes test/conformance/checkpoint-storage.ts.
 */
import type { CheckpointMetadata, TaskStateHandle } from "./checkpoint-metadata.ts";

/** What `writeTaskState` stored; the task adds its id and operator uids to make a TaskStateHandle. */
export type StoredTaskState = Pick<TaskStateHandle, "file" | "sizeBytes" | "checksum">;

/**
 * A checkpoint is complete exactly when its `_metadata` exists and verifies. Every write is atomic
 * (a crash never leaves a file that looks complete), and `_metadata` is written last, so a checkpoint
 * interrupted at any point is invisible to `listCompleted`.
 *
 * Where a checkpoint is read from is either its id (a checkpoint of this storage) or a location string
 * (a directory such as a savepoint path, as `savepointDir` in CompletedCheckpoint).
 */
export interface CheckpointStorage {
  /** The directory (or URI) this storage writes into. */
  readonly location: string;
  /** Whether this storage writes one savepoint into `location` instead of `chk-<id>` subdirectories. */
  readonly isSavepoint: boolean;

  /** Store one task's state for a checkpoint. Rejects with CheckpointError STORAGE_WRITE_FAILED. */
  writeTaskState(checkpointId: number, taskId: string, bytes: Uint8Array): Promise<StoredTaskState>;
  /**
   * Complete the checkpoint by writing its metadata, last and atomically. Rejects with STATE_FILE_MISSING
   * when a task file it names was not written, or STORAGE_WRITE_FAILED; either way nothing is left
   * that looks like a completed checkpoint.
   */
  commit(metadata: CheckpointMetadata): Promise<void>;
  /** Completed checkpoints, newest first. Incomplete ones are ignored; corrupt ones are skipped with a warning. */
  listCompleted(): Promise<CheckpointMetadata[]>;
  /**
   * Read and verify a completed checkpoint's metadata. Rejects with SAVEPOINT_NOT_FOUND when there is
   * none at that place, METADATA_CORRUPT when it does not verify, STORAGE_READ_FAILED otherwise.
   */
  readMetadata(where: number | string): Promise<CheckpointMetadata>;
  /**
   * Read a task state file and check it against the checksum recorded in the metadata. Rejects with
   * STATE_FILE_MISSING or STATE_FILE_CORRUPT naming the full path.
   */
  readTaskState(where: number | string, file: string, expectedChecksum: string): Promise<Uint8Array>;
  /** Delete a checkpoint (metadata first, so a crash mid-way never leaves a complete-looking one). */
  discard(checkpointId: number): Promise<void>;
  /** A storage of the same kind writing one savepoint into `dir`. */
  forSavepoint(dir: string): CheckpointStorage;
}
