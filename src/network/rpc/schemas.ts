/**
 * @module network/rpc/schemas
 * Zod schemas of every control-plane request and response (proto/control.proto, camelCase), and the
 * domain types inferred from them. Both transports validate with these, so they reject alike.
 */
import { z } from "zod";
import type { CheckpointId, JobId, VertexId } from "../../core/index.ts";

// proto3 drops default values from the wire (0, "", false, []), so a missing number, flag or list
// decodes as absent: those default here. Ids and names must be non-empty, so absent is an error.
const id = z.string().min(1);
const count = z.number().int().nonnegative().default(0);
const positive = z.number().int().positive();
const flag = z.boolean().default(false);
const ratio = z.number().min(0).default(0);
const list = <T extends z.ZodType>(item: T) => z.array(item).default([]);
// Branded ids from core (task and worker ids have no brand in core yet, so they stay strings).
const jobId = id.transform((s) => s as JobId);
const vertexId = id.transform((s) => s as VertexId);
const checkpointId = positive.transform((n) => n as CheckpointId);

export const TASK_STATES = ["deploying", "running", "finished", "cancelled", "failed"] as const;
export const JOB_STATUSES = ["created", "running", "cancelling", "cancelled", "finished", "failed", "restarting"] as const;

export const Empty = z.object({});

export const RegisterWorkerRequest = z.object({
  workerId: id,
  host: id,
  dataPort: z.number().int().min(1).max(65535),
  slots: positive.max(100_000),
  cpuCores: count,
  memoryMb: count,
  rpcPort: z.number().int().min(1).max(65535),
  hostname: z.string().default(""),
});
export const RegisterWorkerResponse = z.object({ accepted: flag, heartbeatIntervalMs: count });

export const TaskMetrics = z.object({
  taskId: id,
  jobId: z.string().default(""),
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  bytesOut: count,
  backpressureRatio: ratio.pipe(z.number().max(1)),
});
export const HeartbeatRequest = z.object({
  workerId: id,
  freeSlots: count,
  taskMetrics: list(TaskMetrics),
  cpuPercent: ratio,
  rssBytes: count,
});

export const TaskState = z.enum(TASK_STATES);
export const TaskStateUpdateRequest = z.object({
  jobId: jobId,
  taskId: id,
  workerId: id,
  state: TaskState,
  error: z.string().optional(),
  attempt: count,
  metrics: TaskMetrics.optional(),
});

export const AcknowledgeCheckpointRequest = z.object({
  jobId: jobId,
  checkpointId: checkpointId,
  taskId: id,
  file: id,
  sizeBytes: count,
  checksum: z.string().default(""),
  operators: list(id),
  attempt: count,
});
export const DeclineCheckpointRequest = z.object({ jobId: jobId, checkpointId: checkpointId, taskId: id, reason: id, attempt: count });

export const BundleRef = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, "expected a sha256 hex digest") });
export const Bundle = z.object({ bytes: z.instanceof(Uint8Array) });

/** A job: plan JSON and options JSON, plus the bundle of a TypeScript job. */
export const SubmitJobRequest = z.object({
  name: id,
  parallelism: count,
  planJson: id,
  bundle: z.instanceof(Uint8Array).optional(),
  optionsJson: z.string().default("{}"),
});
export const SubmitJobResponse = z.object({ jobId: jobId });

export const JobRef = z.object({ jobId: jobId });
export const JobStatus = z.enum(JOB_STATUSES);
export const JobSummary = z.object({
  jobId: jobId,
  name: id,
  status: JobStatus,
  parallelism: count,
  startTimeMs: count,
  endTimeMs: count,
  restarts: count,
});
export const ListJobsResponse = z.object({ jobs: list(JobSummary) });
export const TaskSummary = z.object({
  taskId: id,
  workerId: z.string().default(""),
  state: TaskState,
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  bytesOut: count,
  backpressureRatio: ratio,
});
export const CheckpointSummary = z.object({
  checkpointId: checkpointId,
  path: z.string().default(""),
  sizeBytes: count,
  durationMs: count,
  completedAtMs: count,
  kind: z.enum(["checkpoint", "savepoint"]).default("checkpoint"),
});
export const JobDetails = z.object({
  summary: JobSummary,
  tasks: list(TaskSummary),
  lastCheckpointId: checkpointId.optional(),
  failure: z.string().optional(),
  planJson: z.string().default(""),
  checkpoints: list(CheckpointSummary),
  savepointPath: z.string().optional(),
});

export const TriggerSavepointRequest = z.object({ jobId: jobId, dir: id, thenStop: flag });
export const TriggerSavepointResponse = z.object({ checkpointId: checkpointId, path: id });

export const WorkerSummary = z.object({
  workerId: id,
  host: id,
  dataPort: count,
  slots: count,
  freeSlots: count,
  status: z.enum(["alive", "lost"]).default("alive"),
  lastHeartbeatMs: count,
  cpuCores: count,
  memoryMb: count,
  cpuPercent: ratio,
  rssBytes: count,
  hostname: z.string().default(""),
});
export const ClusterOverviewResponse = z.object({
  workers: list(WorkerSummary),
  totalSlots: count,
  freeSlots: count,
  runningJobs: count,
  uptimeMs: count,
});

export const DeployTasksRequest = z.object({ jobId: jobId, attempt: positive, descriptorJson: id });
export const CancelTasksRequest = z.object({ jobId: jobId, attempt: count });
export const TriggerCheckpointRequest = z.object({
  jobId: jobId,
  checkpointId: checkpointId,
  timestampMs: count,
  isSavepoint: flag,
  thenStop: flag,
  attempt: positive,
  targetDir: id,
});
export const CheckpointNotification = z.object({ jobId: jobId, checkpointId: checkpointId, attempt: positive });

export type RegisterWorkerRequest = z.output<typeof RegisterWorkerRequest>;
export type RegisterWorkerResponse = z.output<typeof RegisterWorkerResponse>;
export type TaskMetrics = z.output<typeof TaskMetrics>;
export type HeartbeatRequest = z.output<typeof HeartbeatRequest>;
export type TaskState = z.output<typeof TaskState>;
export type TaskStateUpdateRequest = z.output<typeof TaskStateUpdateRequest>;
export type AcknowledgeCheckpointRequest = z.output<typeof AcknowledgeCheckpointRequest>;
export type DeclineCheckpointRequest = z.output<typeof DeclineCheckpointRequest>;
export type BundleRef = z.output<typeof BundleRef>;
export type Bundle = z.output<typeof Bundle>;
export type SubmitJobRequest = z.output<typeof SubmitJobRequest>;
export type SubmitJobResponse = z.output<typeof SubmitJobResponse>;
export type JobRef = z.output<typeof JobRef>;
export type JobStatus = z.output<typeof JobStatus>;
export type JobSummary = z.output<typeof JobSummary>;
export type ListJobsResponse = z.output<typeof ListJobsResponse>;
export type TaskSummary = z.output<typeof TaskSummary>;
export type CheckpointSummary = z.output<typeof CheckpointSummary>;
export type JobDetails = z.output<typeof JobDetails>;
export type TriggerSavepointRequest = z.output<typeof TriggerSavepointRequest>;
export type TriggerSavepointResponse = z.output<typeof TriggerSavepointResponse>;
export type WorkerSummary = z.output<typeof WorkerSummary>;
export type ClusterOverviewResponse = z.output<typeof ClusterOverviewResponse>;
export type DeployTasksRequest = z.output<typeof DeployTasksRequest>;
export type CancelTasksRequest = z.output<typeof CancelTasksRequest>;
export type TriggerCheckpointRequest = z.output<typeof TriggerCheckpointRequest>;
export type CheckpointNotification = z.output<typeof CheckpointNotification>;
