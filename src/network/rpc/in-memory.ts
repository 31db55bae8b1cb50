/**
 * @module network/rpc/in-memory
 * In-process gateways for tests (STYLE §3): the same validation and error mapping as the gRPC
 * transport, without sockets or serialization.
 */
import { fromWireError, toWireError } from "./errors.ts";
import {
  JOB_MANAGER_METHODS,
  WORKER_METHODS,
  VOID,
  checkResponse,
  validate,
  type JobManagerGateway,
  type MethodTable,
  type WorkerGateway,
} from "./gateways.ts";

type AnyMethod = (request?: unknown) => Promise<unknown>;

/**
 * Wrap `impl` so each call validates its request, calls `impl`, validates the response, and turns a
 * thrown error into what a gRPC caller would see (a NotFoundError stays one; others become RpcError).
 */
function createInMemoryGateway<G extends object>(methods: MethodTable<G>, impl: G): G {
  const target = impl as unknown as Record<string, AnyMethod>;
  const gateway: Record<string, AnyMethod> = {};
  for (const [name, spec] of Object.entries(methods) as [string, MethodTable<G>[keyof G]][]) {
    gateway[name] = async (request = {}) => {
      try {
        const parsed = validate(spec.request, request, `${spec.rpc} request`);
        const method = target[name];
        if (method === undefined) throw new TypeError(`implementation has no method ${name}`);
        const result = await method.call(impl, parsed);
        const response = checkResponse(spec, result);
        return spec.response === VOID ? undefined : response;
      } catch (error) {
        throw fromWireError(toWireError(error, spec.rpc));
      }
    };
  }
  return gateway as unknown as G;
}

/** An in-memory JobManagerGateway that calls `impl` directly. */
export function createInMemoryJobManagerGateway(impl: JobManagerGateway): JobManagerGateway {
  return createInMemoryGateway(JOB_MANAGER_METHODS, impl);
}

/** An in-memory WorkerGateway that calls `impl` directly. */
export function createInMemoryWorkerGateway(impl: WorkerGateway): WorkerGateway {
  return createInMemoryGateway(WORKER_METHODS, impl);
}
