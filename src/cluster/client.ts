/**
 * @module cluster/client
 * The control plane as the layers above see it (cli/, web/): a typed JobManager client, the servers
 * the `jobmanager` and `worker` processes expose, and the request/response types and errors. They reach
 * the network layer only through here.
 */
import { rpc } from "../network/index.ts";

export type JobManagerGateway = rpc.JobManagerGateway;
export type WorkerGateway = rpc.WorkerGateway;
export type JobManagerClient = rpc.GatewayClient<rpc.JobManagerGateway>;
export type RpcServer = rpc.RpcServer;
export type JobDetails = rpc.JobDetails;
export type JobSummary = rpc.JobSummary;
export type TaskSummary = rpc.TaskSummary;
export type WorkerSummary = rpc.WorkerSummary;
export type ClusterOverview = rpc.ClusterOverviewResponse;
export type SubmitJobRequest = rpc.SubmitJobRequest;
export type JobRef = rpc.JobRef;

/** A gRPC client of the JobManager at `host:port`. */
export const connectJobManager: (address: string, options?: rpc.ConnectOptions) => JobManagerClient = rpc.connectJobManager;
/** Serve a JobManager's control plane on `host:port`. */
export const serveJobManager = rpc.serveJobManager;
/** Serve a worker's WorkerService on `host:port`. */
export const serveWorker = rpc.serveWorker;
/** The JobManager's view of the cluster as a gateway that validates like gRPC (in-process). */
export const inMemoryJobManager = rpc.createInMemoryJobManagerGateway;

export const NotFoundError = rpc.NotFoundError;
export const InvalidArgumentError = rpc.InvalidArgumentError;
export const RpcError = rpc.RpcError;

/** A job id as the protocol types it. */
export const asJobRef = (jobId: string): rpc.JobRef => ({ jobId: jobId as rpc.JobRef["jobId"] });
