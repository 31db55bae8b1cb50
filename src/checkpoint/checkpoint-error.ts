/**
 * @module checkpoint/checkpoint-error
 * CheckpointError and the table of why a checkpoint can fail, after Flink's CheckpointFailureReason.java.
 */
import { BicycleError } from "../core/index.ts";
import type { ErrorDomain } from "../core/index.ts";

/**
 * Why a checkpoint was not taken, did not complete, or cannot be restored. Pre-flight reasons stop a
 * checkpoint before it gets an id and touches any task; the others end a checkpoint that was triggered
 * (or, for the restore reasons, a checkpoint that is being read back).
 */
export type CheckpointFailureReason =
  // pre-flight: nothing was triggered
  | "TOO_MANY_CONCURRENT"
  | "MIN_PAUSE_NOT_ELAPSED"
  | "NOT_ALL_TASKS_RUNNING"
  | "JOB_FINISHING"
  // a triggered checkpoint failed (COORDINATOR_SHUT_DOWN also refuses triggers after shutdown)
  | "COORDINATOR_SHUT_DOWN"
  | "TIMEOUT"
  | "TASK_DECLINED"
  | "TASK_FAILED"
  | "STORAGE_WRITE_FAILED"
  // reading a checkpoint back
  | "STORAGE_READ_FAILED"
  | "METADATA_CORRUPT"
  | "STATE_FILE_CORRUPT"
  | "STATE_FILE_MISSING"
  | "PLAN_MISMATCH"
  | "UNKNOWN_OPERATOR_STATE"
  | "SAVEPOINT_NOT_FOUND";

export interface CheckpointFailureReasonInfo {
  /** The default message, used when no detail is given. */
  readonly message: string;
  /** True when the failure happened before the checkpoint was triggered (no id spent, no task involved). */
  readonly preFlight: boolean;
  readonly domain: ErrorDomain;
  /** Whether a restart (or the next checkpoint) may succeed where this one failed. */
  readonly retriable: boolean;
}

/** Every reason with its message, pre-flight flag, domain and retry hint. */
export const REASONS: Readonly<Record<CheckpointFailureReason, CheckpointFailureReasonInfo>> = {
  TOO_MANY_CONCURRENT: { message: "The maximum number of concurrent checkpoints is already in progress.", preFlight: true, domain: "internal", retriable: true },
  MIN_PAUSE_NOT_ELAPSED: { message: "The minimum pause since the end of the last checkpoint has not elapsed yet.", preFlight: true, domain: "internal", retriable: true },
  NOT_ALL_TASKS_RUNNING: { message: "Not all tasks of the job are running.", preFlight: true, domain: "internal", retriable: true },
  JOB_FINISHING: { message: "The job is stopping with a savepoint; no further checkpoints are taken.", preFlight: true, domain: "internal", retriable: false },
  // Not pre-flight: it also aborts a checkpoint in flight (as Flink's CHECKPOINT_COORDINATOR_SHUTDOWN).
  COORDINATOR_SHUT_DOWN: { message: "The checkpoint coordinator was shut down.", preFlight: false, domain: "internal", retriable: false },
  TIMEOUT: { message: "The checkpoint expired before all tasks acknowledged it.", preFlight: false, domain: "internal", retriable: true },
  TASK_DECLINED: { message: "A task declined the checkpoint.", preFlight: false, domain: "internal", retriable: true },
  TASK_FAILED: { message: "A task failed while the checkpoint was in progress.", preFlight: false, domain: "internal", retriable: true },
  STORAGE_WRITE_FAILED: { message: "Writing the checkpoint to its storage failed.", preFlight: false, domain: "external", retriable: true },
  STORAGE_READ_FAILED: { message: "Reading the checkpoint from its storage failed.", preFlight: false, domain: "external", retriable: true },
  METADATA_CORRUPT: { message: "The checkpoint metadata file is unreadable or invalid.", preFlight: false, domain: "external", retriable: false },
  STATE_FILE_CORRUPT: { message: "A checkpoint state file does not match its checksum.", preFlight: false, domain: "external", retriable: false },
  STATE_FILE_MISSING: { message: "A checkpoint state file named in the metadata does not exist.", preFlight: false, domain: "external", retriable: false },
  PLAN_MISMATCH: { message: "The checkpoint was taken by a different job plan.", preFlight: false, domain: "user", retriable: false },
  UNKNOWN_OPERATOR_STATE: { message: "The checkpoint holds state of an operator the job does not have.", preFlight: false, domain: "user", retriable: false },
  SAVEPOINT_NOT_FOUND: { message: "No completed checkpoint or savepoint exists at the given location.", preFlight: false, domain: "user", retriable: false },
};

export interface CheckpointErrorOptions {
  readonly checkpointId?: number;
  readonly cause?: unknown;
}

/**
 * A checkpoint failed, was refused before it started (`preFlight`), or cannot be restored. `code` is
 * `CHECKPOINT_<reason>`; the message names the checkpoint id when one is known.
 */
export class CheckpointError extends BicycleError {
  readonly reason: CheckpointFailureReason;
  readonly checkpointId: number | undefined;

  constructor(reason: CheckpointFailureReason, message?: string, options: CheckpointErrorOptions = {}) {
    const info = REASONS[reason];
    const text = message ?? info.message;
    const id = options.checkpointId;
    const prefix = id === undefined || text.includes(`checkpoint ${id}`) || text.includes(`savepoint ${id}`) ? "" : `checkpoint ${id}: `;
    super(prefix + text, { code: `CHECKPOINT_${reason}`, domain: info.domain, retriable: info.retriable, cause: options.cause });
    this.reason = reason;
    this.checkpointId = options.checkpointId;
  }

  /** True when the checkpoint was refused before it was triggered. */
  get preFlight(): boolean {
    return REASONS[this.reason].preFlight;
  }
}

/** Narrow an unknown error to a CheckpointError (duck-typed, so copies of this module in a job bundle match too). */
export function isCheckpointError(error: unknown): error is CheckpointError {
  if (error instanceof CheckpointError) return true;
  if (!(error instanceof Error) || error.name !== "CheckpointError") return false;
  const reason: unknown = (error as Error & { reason?: unknown }).reason;
  return typeof reason === "string" && reason in REASONS;
}
