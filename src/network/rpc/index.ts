/**
 * @module network/rpc
 * The control plane (proto/control.proto): gateway interfaces, gRPC server and clients, in-memory gateways.
 */
export * from "./schemas.ts";
export {
  JOB_MANAGER_METHODS,
  JOB_MANAGER_SERVICE,
  WORKER_METHODS,
  WORKER_SERVICE,
  type JobManagerGateway,
  type MethodSpec,
  type MethodTable,
  type WorkerGateway,
} from "./gateways.ts";
export { ERROR_METADATA, InvalidArgumentError, NotFoundError, RpcError, type RpcStatus } from "./errors.ts";
export { MAX_MESSAGE_BYTES, serveJobManager, serveWorker, type RpcServer, type ServeOptions } from "./grpc-server.ts";
export {
  DEFAULT_RPC_DEADLINE_MS,
  connectJobManager,
  connectWorker,
  type ConnectOptions,
  type GatewayClient,
} from "./grpc-client.ts";
export { createInMemoryJobManagerGateway, createInMemoryWorkerGateway } from "./in-memory.ts";
