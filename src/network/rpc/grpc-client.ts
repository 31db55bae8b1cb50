/**
 * @module network/rpc/grpc-client
 * Typed gRPC clients implementing JobManagerGateway and WorkerGateway, with a deadline on every call.
 * Remote errors come back as the BicycleErrors the server mapped; transport failures as NetworkError.
 *
 * @grpc/grpc-js is loaded lazily, on the first `connect*` call (see `loadGrpc`): it costs ~80 ms to
 * evaluate, which processes that import this module but never dial gRPC (slot threads, embedded
 * MiniClusters) should not pay.
 */
import type * as Grpc from "@grpc/grpc-js";
import type { BicycleError, ErrorDomain } from "../../core/index.ts";
import { ERROR_METADATA, fromWireError, transportError, transportReason, type RpcStatus } from "./errors.ts";
import {
  JOB_MANAGER_METHODS,
  JOB_MANAGER_SERVICE,
  WORKER_METHODS,
  WORKER_SERVICE,
  VOID,
  checkResponse,
  validate,
  type JobManagerGateway,
  type MethodSpec,
  type MethodTable,
  type WorkerGateway,
} from "./gateways.ts";
import { MAX_MESSAGE_BYTES } from "./grpc-server.ts";
import { loadGrpc, serviceDefinition } from "./proto-package.ts";

/** Default per-call deadline. */
export const DEFAULT_RPC_DEADLINE_MS = 10_000;

export interface ConnectOptions {
  /** Deadline of each call, from its start; default DEFAULT_RPC_DEADLINE_MS. */
  readonly deadlineMs?: number;
}

/** A gateway client bound to one address; `close()` releases its channel. */
export type GatewayClient<G> = G & { readonly address: string; close(): void };

const DOMAINS: readonly ErrorDomain[] = ["user", "external", "internal"];

/** The error for a failed call: the server's BicycleError if it sent one, else a transport NetworkError. */
function callError(grpc: typeof Grpc, error: Grpc.ServiceError, address: string, rpc: string): BicycleError {
  const status = grpc.status[error.code] ?? `STATUS_${error.code}`;
  const code = error.metadata?.get(ERROR_METADATA.code)[0];
  const domain = error.metadata?.get(ERROR_METADATA.domain)[0];
  if (typeof code === "string" && DOMAINS.includes(domain as ErrorDomain)) {
    const retriable = error.metadata.get(ERROR_METADATA.retriable)[0] === "true";
    return fromWireError({ status: status as RpcStatus, message: error.details, code, domain: domain as ErrorDomain, retriable });
  }
  // No Bicycle metadata: the channel failed (refused, reset, deadline) or the peer is not a Bicycle server.
  return transportError(address, rpc, `${status}: ${transportReason(status, error.details)}`, error);
}

function connect<G extends object>(service: string, methods: MethodTable<G>, address: string, options: ConnectOptions): GatewayClient<G> {
  const grpc = loadGrpc();
  const definition = serviceDefinition(service);
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": MAX_MESSAGE_BYTES });
  const deadlineMs = options.deadlineMs ?? DEFAULT_RPC_DEADLINE_MS;
  const gateway: Record<string, unknown> = { address, close: () => client.close() };
  for (const [name, spec] of Object.entries(methods) as [string, MethodSpec][]) {
    const method = definition[spec.rpc];
    if (method === undefined) throw new TypeError(`${service} has no RPC ${spec.rpc}`);
    gateway[name] = (request: unknown = {}) =>
      new Promise<unknown>((resolve, reject) => {
        // Validate before sending so a malformed call fails the same way on both transports.
        const parsed = validate(spec.request, request, `${spec.rpc} request`);
        const wire = spec.requestToWire ? spec.requestToWire(parsed as never) : parsed;
        client.makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          wire,
          new grpc.Metadata(),
          { deadline: Date.now() + deadlineMs },
          (error, value) => {
            if (error) return reject(callError(grpc, error, address, spec.rpc));
            try {
              const response = checkResponse(spec, value);
              resolve(spec.response === VOID ? undefined : response);
            } catch (bad) {
              reject(bad);
            }
          },
        );
      });
  }
  return gateway as GatewayClient<G>;
}

/** A JobManagerGateway that calls the JobManager at `address` (`host:port`). */
export function connectJobManager(address: string, options: ConnectOptions = {}): GatewayClient<JobManagerGateway> {
  return connect(JOB_MANAGER_SERVICE, JOB_MANAGER_METHODS, address, options);
}

/** A WorkerGateway that calls the worker at `address` (`host:port`). */
export function connectWorker(address: string, options: ConnectOptions = {}): GatewayClient<WorkerGateway> {
  return connect(WORKER_SERVICE, WORKER_METHODS, address, options);
}
