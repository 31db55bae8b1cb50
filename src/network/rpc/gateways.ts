/**
 * @module network/rpc/gateways
 * JobManagerGateway and WorkerGateway (plain async methods over domain types) and the method tables
 * that bind each method to its RPC name in proto/control.proto and its request/response schemas.
 */
import type { z } from "zod";
import * as s from "./schemas.ts";
import { InternalError } from "../../core/index.ts";
import { InvalidArgumentError } from "./errors.ts";

/** Implemented by the JobManager. Workers call register..declineCheckpoint; clients call the rest. */
export interface JobManagerGateway {
  registerWorker(request: s.RegisterWorkerRequest): Promise<s.RegisterWorkerResponse>;
  heartbeat(request: s.HeartbeatRequest): Promise<void>;
  updateTaskState(request: s.TaskStateUpdateRequest): Promise<void>;
  acknowledgeCheckpoint(request: s.AcknowledgeCheckpointRequest): Promise<void>;
  declineCheckpoint(request: s.DeclineCheckpointRequest): Promise<void>;
  fetchBundle(request: s.BundleRef): Promise<s.Bundle>;
  submitJob(request: s.SubmitJobRequest): Promise<s.SubmitJobResponse>;
  listJobs(): Promise<s.ListJobsResponse>;
  getJob(request: s.JobRef): Promise<s.JobDetails>;
  cancelJob(request: s.JobRef): Promise<void>;
  triggerSavepoint(request: s.TriggerSavepointRequest): Promise<s.TriggerSavepointResponse>;
  clusterOverview(): Promise<s.ClusterOverviewResponse>;
}

/** Implemented by each worker; called by the JobManager. */
export interface WorkerGateway {
  deployTasks(request: s.DeployTasksRequest): Promise<void>;
  cancelTasks(request: s.CancelTasksRequest): Promise<void>;
  triggerCheckpoint(request: s.TriggerCheckpointRequest): Promise<void>;
  notifyCheckpointComplete(request: s.CheckpointNotification): Promise<void>;
  notifyCheckpointAborted(request: s.CheckpointNotification): Promise<void>;
}

/** Schema of the empty response of a `Promise<void>` method. */
export const VOID = s.Empty;

/** One RPC: its name in the proto service, schemas, and (rarely) a reshaping between domain and wire objects. */
export interface MethodSpec {
  readonly rpc: string;
  readonly request: z.ZodType;
  readonly response: z.ZodType;
  /** Domain request -> the object proto-loader encodes (default: unchanged). */
  readonly requestToWire?: (request: never) => object;
  /** Decoded wire object -> input to `request.parse` (default: unchanged). */
  readonly requestFromWire?: (wire: Record<string, unknown>) => unknown;
}

/** A method table covering exactly the methods of gateway G. */
export type MethodTable<G> = { readonly [K in keyof G]-?: MethodSpec };

export const JOB_MANAGER_SERVICE = "bicycle.control.JobManagerService";
export const WORKER_SERVICE = "bicycle.control.WorkerService";

export const JOB_MANAGER_METHODS: MethodTable<JobManagerGateway> = {
  registerWorker: { rpc: "RegisterWorker", request: s.RegisterWorkerRequest, response: s.RegisterWorkerResponse },
  heartbeat: { rpc: "Heartbeat", request: s.HeartbeatRequest, response: VOID },
  updateTaskState: { rpc: "TaskStateUpdate", request: s.TaskStateUpdateRequest, response: VOID },
  acknowledgeCheckpoint: { rpc: "AcknowledgeCheckpoint", request: s.AcknowledgeCheckpointRequest, response: VOID },
  declineCheckpoint: { rpc: "DeclineCheckpoint", request: s.DeclineCheckpointRequest, response: VOID },
  fetchBundle: { rpc: "FetchBundle", request: s.BundleRef, response: s.Bundle },
  submitJob: { rpc: "SubmitJob", request: s.SubmitJobRequest, response: s.SubmitJobResponse },
  listJobs: { rpc: "ListJobs", request: s.Empty, response: s.ListJobsResponse },
  getJob: { rpc: "GetJob", request: s.JobRef, response: s.JobDetails },
  cancelJob: { rpc: "CancelJob", request: s.JobRef, response: VOID },
  triggerSavepoint: { rpc: "TriggerSavepoint", request: s.TriggerSavepointRequest, response: s.TriggerSavepointResponse },
  clusterOverview: { rpc: "ClusterOverview", request: s.Empty, response: s.ClusterOverviewResponse },
};

export const WORKER_METHODS: MethodTable<WorkerGateway> = {
  deployTasks: { rpc: "DeployTasks", request: s.DeployTasksRequest, response: VOID },
  cancelTasks: { rpc: "CancelTasks", request: s.CancelTasksRequest, response: VOID },
  triggerCheckpoint: { rpc: "TriggerCheckpoint", request: s.TriggerCheckpointRequest, response: VOID },
  notifyCheckpointComplete: { rpc: "NotifyCheckpointComplete", request: s.CheckpointNotification, response: VOID },
  notifyCheckpointAborted: { rpc: "NotifyCheckpointAborted", request: s.CheckpointNotification, response: VOID },
};

/**
 * Parse `value` with `schema`, or throw InvalidArgumentError naming the RPC and every bad field:
 * `invalid RegisterWorker request: workerId: Invalid input: expected string, received undefined`.
 */
export function validate(schema: z.ZodType, value: unknown, what: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length === 0 ? "(root)" : i.path.join(".")}: ${i.message}`);
  throw new InvalidArgumentError(`invalid ${what}: ${problems.join("; ")}`);
}

/** Parse an implementation's (or a peer's) response; a bad one is a bug, so an InternalError. */
export function checkResponse(spec: MethodSpec, value: unknown): unknown {
  try {
    return validate(spec.response, value ?? {}, `${spec.rpc} response`);
  } catch (error) {
    throw new InternalError(error instanceof Error ? error.message : String(error), error);
  }
}
