/**
 * @module checkpoint/checkpoint-metadata
 * What a completed checkpoint records (`_metadata`): its task state handles and which operator's state
 * lives in which file. The zod schema, the builder from a persisted checkpoint, and the JSON codec.
 */
import { z } from "zod";
import { InternalError } from "../core/index.ts";
import { CheckpointError } from "./checkpoint-error.ts";
import { sha256Hex } from "./checksum.ts";

/** The current `_metadata` format version. */
export const METADATA_VERSION = 1;

/**
 * A plain file name inside a checkpoint directory: no separators, not `.` or `..`, so a crafted
 * `_metadata` cannot point outside its directory.
 */
export const stateFileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, "must be a plain file name (letters, digits, '.', '_', '-')")
  .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'");

/** Where one task's state for one checkpoint lives, as the task acknowledged it. */
export interface TaskStateHandle {
  readonly taskId: string;
  /** File name relative to the checkpoint directory. */
  readonly file: string;
  readonly sizeBytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly checksum: string;
  /** Uids of the operators whose state the file holds (the chain of the task; may be empty). */
  readonly operators: readonly string[];
}

export const taskStateHandleSchema = z.object({
  taskId: z.string().min(1),
  file: stateFileNameSchema,
  sizeBytes: z.number().int().nonnegative(),
  checksum: z.string().regex(/^[0-9a-f]+$/, "must be lower-case hex"),
  operators: z.array(z.string().min(1)),
});

export const operatorStateLocationSchema = z.object({
  parallelism: z.number().int().positive(),
  subtasks: z.array(z.object({ subtask: z.number().int().nonnegative(), file: stateFileNameSchema })),
});

export const checkpointMetadataSchema = z.object({
  version: z.literal(METADATA_VERSION),
  jobName: z.string(),
  planHash: z.string(),
  checkpointId: z.number().int().positive(),
  /** Trigger time, epoch ms. */
  timestamp: z.number(),
  completedAt: z.number(),
  isSavepoint: z.boolean(),
  maxParallelism: z.number().int().positive(),
  tasks: z.array(taskStateHandleSchema),
  /** Operator uid -> the parallelism it ran at and the file of each of its subtasks. */
  operators: z.record(z.string(), operatorStateLocationSchema),
});

/** The content of `_metadata` (without its checksum field). */
export type CheckpointMetadata = z.infer<typeof checkpointMetadataSchema>;
export type OperatorStateLocation = z.infer<typeof operatorStateLocationSchema>;

/** Which subtask of which parallelism a task is; the JobMaster knows it from the job graph. */
export interface TaskPlacement {
  readonly subtask: number;
  readonly parallelism: number;
}

/** A checkpoint whose tasks all acknowledged, as handed to the caller for persisting. */
export interface PersistableCheckpoint {
  readonly checkpointId: number;
  readonly timestamp: number;
  readonly isSavepoint: boolean;
  readonly tasks: readonly TaskStateHandle[];
}

export interface CheckpointJobInfo {
  readonly jobName: string;
  readonly planHash: string;
  readonly maxParallelism: number;
  readonly completedAt: number;
  /** Task id -> subtask index and parallelism of its vertex. */
  readonly placement: Readonly<Record<string, TaskPlacement>>;
}

/**
 * Build the `_metadata` content of a checkpoint: its handles plus, for every operator uid named in a
 * handle, the file of each of its subtasks. Throws InternalError when a task with operator state has no
 * placement or two
 * tasks disagree on an operator's parallelism (a bug in the caller).
 */
export function buildCheckpointMetadata(checkpoint: PersistableCheckpoint, job: CheckpointJobInfo): CheckpointMetadata {
  const operators: Record<string, { parallelism: number; subtasks: Array<{ subtask: number; file: string }> }> = {};
  for (const handle of checkpoint.tasks) {
    const placement = job.placement[handle.taskId];
    if (placement === undefined && handle.operators.length > 0) throw new InternalError(`checkpoint ${checkpoint.checkpointId}: no placement known for task '${handle.taskId}'`);
    if (placement === undefined) continue;
    for (const uid of handle.operators) {
      const entry = (operators[uid] ??= { parallelism: placement.parallelism, subtasks: [] });
      if (entry.parallelism !== placement.parallelism) {
        throw new InternalError(`checkpoint ${checkpoint.checkpointId}: operator '${uid}' has parallelism ${entry.parallelism} and ${placement.parallelism} in different tasks`);
      }
      entry.subtasks.push({ subtask: placement.subtask, file: handle.file });
    }
  }
  for (const entry of Object.values(operators)) entry.subtasks.sort((a, b) => a.subtask - b.subtask);
  return {
    version: METADATA_VERSION,
    jobName: job.jobName,
    planHash: job.planHash,
    checkpointId: checkpoint.checkpointId,
    timestamp: checkpoint.timestamp,
    completedAt: job.completedAt,
    isSavepoint: checkpoint.isSavepoint,
    maxParallelism: job.maxParallelism,
    tasks: checkpoint.tasks.map((t) => ({ ...t, operators: [...t.operators] })),
    operators,
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? "(root)" : i.path.join(".")}: ${i.message}`).join("; ");
}

/**
 * Serialize metadata for `_metadata`: pretty JSON with a `checksum` field, the SHA-256 of the compact
 * JSON of every other field. Throws InternalError when `metadata` does not match the schema.
 */
export function encodeMetadata(metadata: CheckpointMetadata): string {
  const parsed = checkpointMetadataSchema.safeParse(metadata);
  if (!parsed.success) throw new InternalError(`checkpoint ${metadata.checkpointId}: metadata does not match its schema: ${describeIssues(parsed.error)}`);
  const checksum = sha256Hex(JSON.stringify(parsed.data));
  return `${JSON.stringify({ ...parsed.data, checksum }, null, 2)}\n`;
}

/**
 * Parse and verify `_metadata` content read from `path` (named in every error). Throws CheckpointError
 * METADATA_CORRUPT when it is not JSON, its checksum does not match, its version is unknown, or a field
 * is invalid.
 */
export function decodeMetadata(text: string, path: string): CheckpointMetadata {
  const corrupt = (why: string, cause?: unknown): CheckpointError =>
    new CheckpointError("METADATA_CORRUPT", `checkpoint metadata ${path} ${why}`, cause === undefined ? {} : { cause });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(`is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw corrupt("is not a JSON object");
  const { checksum, ...rest } = raw as Record<string, unknown>;
  if (typeof checksum !== "string") throw corrupt("has no checksum field");
  // JSON.parse keeps key order, so re-serializing the other fields reproduces the hashed text.
  const computed = sha256Hex(JSON.stringify(rest));
  if (computed !== checksum) throw corrupt(`fails its checksum (recorded ${checksum}, computed ${computed})`);
  if (rest.version !== METADATA_VERSION) throw corrupt(`has unsupported version ${JSON.stringify(rest.version)} (this build reads version ${METADATA_VERSION})`);
  const parsed = checkpointMetadataSchema.safeParse(rest);
  if (!parsed.success) throw corrupt(`is invalid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
