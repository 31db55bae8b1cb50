/**
 * @module web/schemas
 * Zod schemas of every REST request body and response. The handlers validate requests with them, the
 * OpenAPI document is generated from them (openapi.ts) and the contract tests check responses against
 * them, so the three cannot drift apart.
 */
import { z } from "zod";

const count = z.number().int().nonnegative();
const JOB_STATUSES = ["created", "running", "cancelling", "cancelled", "finished", "failed", "restarting"] as const;
const TASK_STATES = ["deploying", "running", "finished", "cancelled", "failed"] as const;

/** A job id in a path: the JobManager's ids are hex; anything else is a 400, never a lookup. */
export const JobIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "expected a job id (letters, digits, '-' or '_')");

export const ErrorResponse = z.object({
  error: z.string(),
  /** Field path -> messages, for invalid bodies. */
  fields: z.record(z.string(), z.array(z.string())).optional(),
});

export const HealthResponse = z.object({ status: z.literal("ok"), uptimeMs: count });

export const WorkerInfo = z.object({
  workerId: z.string(),
  host: z.string(),
  hostname: z.string(),
  dataPort: count,
  slots: count,
  freeSlots: count,
  status: z.enum(["alive", "lost"]),
  lastHeartbeatMs: count,
  cpuCores: count,
  memoryMb: count,
  cpuPercent: z.number().nonnegative(),
  rssBytes: count,
});
export const WorkersResponse = z.object({ workers: z.array(WorkerInfo) });

export const ClusterResponse = z.object({
  workers: count,
  aliveWorkers: count,
  totalSlots: count,
  freeSlots: count,
  runningJobs: count,
  /** Jobs the JobManager knows, by status. */
  jobs: z.record(z.string(), count),
  uptimeMs: count,
});

export const JobRowSchema = z.object({
  jobId: z.string(),
  name: z.string(),
  status: z.enum(JOB_STATUSES),
  parallelism: count,
  tasks: count,
  recordsIn: count,
  recordsOut: count,
  startTimeMs: count,
  endTimeMs: count,
  durationMs: count,
  restarts: count,
});
export const JobsResponse = z.object({ jobs: z.array(JobRowSchema) });

export const TaskInfo = z.object({
  taskId: z.string(),
  vertexId: z.string(),
  workerId: z.string(),
  state: z.enum(TASK_STATES),
  recordsIn: count,
  recordsOut: count,
  bytesIn: count,
  bytesOut: count,
  backpressureRatio: z.number().min(0).max(1),
});
export const TasksResponse = z.object({ jobId: z.string(), tasks: z.array(TaskInfo) });

export const JobResponse = JobRowSchema.extend({
  failure: z.string().optional(),
  lastCheckpointId: count.optional(),
  savepointPath: z.string().optional(),
  taskDetails: z.array(TaskInfo),
});

export const CheckpointInfo = z.object({
  checkpointId: count,
  kind: z.enum(["checkpoint", "savepoint"]),
  path: z.string(),
  sizeBytes: count,
  durationMs: count,
  completedAtMs: count,
});
export const CheckpointsResponse = z.object({
  jobId: z.string(),
  counts: z.object({ completed: count, savepoints: count }),
  lastCheckpointId: count.optional(),
  savepointPath: z.string().optional(),
  history: z.array(CheckpointInfo),
});

export const PlanOperator = z.object({ id: z.string(), kind: z.string(), name: z.string(), parallelism: count });
export const PlanVertex = z.object({ id: z.string(), name: z.string(), parallelism: count, operators: z.array(PlanOperator) });
export const PlanEdge = z.object({ source: z.string(), target: z.string(), partitioning: z.string(), sideOutput: z.string().optional() });
export const PlanResponse = z.object({ jobId: z.string(), vertices: z.array(PlanVertex), edges: z.array(PlanEdge) });

export const TaskMetricsInfo = TaskInfo.omit({ vertexId: true });
export const MetricsResponse = z.object({
  jobs: z.array(
    z.object({ jobId: z.string(), name: z.string(), status: z.enum(JOB_STATUSES), recordsIn: count, recordsOut: count, tasks: z.array(TaskMetricsInfo) }),
  ),
  workers: z.array(z.object({ workerId: z.string(), status: z.enum(["alive", "lost"]), slots: count, freeSlots: count, cpuPercent: z.number().nonnegative(), rssBytes: count })),
});

/** POST /api/jobs as JSON: a SQL script with exactly one job (INSERT INTO or SELECT). */
export const SubmitSqlBody = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(200),
  parallelism: z.number().int("must be a whole number").min(1).max(1024),
  sql: z.string().trim().min(1, "must not be empty").max(256 * 1024),
});
/** POST /api/jobs as multipart/form-data: a bundled TypeScript job's plan plus its bundle. */
export const SubmitBundleFields = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  parallelism: z.coerce.number().int("must be a whole number").min(1).max(1024),
  plan: z.string().min(2, "must be the job's plan JSON"),
  checkpointIntervalMs: z.coerce.number().int().nonnegative().default(0),
});
export const SubmitResponse = z.object({ jobId: z.string() });

/** POST /api/jobs/:id/savepoints: where the savepoint goes is the JobManager's configuration, never the request's. */
export const SavepointBody = z.strictObject({ stop: z.boolean().default(false) });
export const SavepointResponse = z.object({ jobId: z.string(), checkpointId: count, path: z.string(), stopped: z.boolean() });

export const CancelResponse = z.object({ jobId: z.string(), status: z.enum(JOB_STATUSES) });
