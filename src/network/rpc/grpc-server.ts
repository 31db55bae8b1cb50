/**
 * @module network/rpc/grpc-server
 * Serves a JobManagerGateway or WorkerGateway implementation over gRPC (@grpc/grpc-js): validates each
 * request with zod, calls the implementation and maps thrown errors to gRPC statuses.
 *
 * @grpc/grpc-js is loaded lazily, on the first `serve*` call (see `loadGrpc`): it costs ~80 ms to
 * evaluate, and most processes that import this module never serve gRPC (slot threads, the MiniCluster
 * of `bicycle run` / `bicycle sql`, which uses in-memory gateways).
 */
import type * as Grpc from "@grpc/grpc-js";
import { ERROR_METADATA, InvalidArgumentError, toWireError } from "./errors.ts";
import {
  JOB_MANAGER_METHODS,
  JOB_MANAGER_SERVICE,
  WORKER_METHODS,
  WORKER_SERVICE,
  checkResponse,
  validate,
  type JobManagerGateway,
  type MethodSpec,
  type MethodTable,
  type WorkerGateway,
} from "./gateways.ts";
import { loadGrpc, serviceDefinition } from "./proto-package.ts";
import { NetworkError } from "../errors.ts";

export interface ServeOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; default 0 (an ephemeral port, see `RpcServer.port`). */
  readonly port?: number;
}

/** A running control-plane server. */
export interface RpcServer {
  /** `host:port` with the bound port, ready for `connectJobManager` / `connectWorker`. */
  readonly address: string;
  readonly port: number;
  /** Stop accepting calls; in-flight calls get up to `graceMs` (default 1000) before being cut off. */
  close(graceMs?: number): Promise<void>;
}

/** Largest message either side accepts (job bundles travel in SubmitJob); grpc-js defaults to 4 MiB. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** Marks a request whose bytes did not decode; the handler answers it with INVALID_ARGUMENT. */
const UNDECODABLE = Symbol("undecodable request");

/**
 * The service definition with each request decoder made total: grpc-js would answer a decode failure
 * with INTERNAL, but bytes that do not match the message (a wrong wire type, say) are a bad argument.
 */
function lenientDefinition(service: string): Grpc.ServiceDefinition {
  const strict = serviceDefinition(service);
  const lenient: Record<string, Grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [rpc, method] of Object.entries(strict)) {
    lenient[rpc] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return { [UNDECODABLE]: error instanceof Error ? error.message : String(error) };
        }
      },
    };
  }
  return lenient;
}

type UnaryHandler = (call: Grpc.ServerUnaryCall<Record<string, unknown>, object>, callback: Grpc.sendUnaryData<object>) => void;

/** Handle one call: wire -> domain -> validate -> impl -> validate response, or an error status. */
function handler(grpc: typeof Grpc, spec: MethodSpec, method: (request: unknown) => Promise<unknown>): UnaryHandler {
  return (call, callback) => {
    const run = async (): Promise<object> => {
      const undecodable = (call.request as { [UNDECODABLE]?: string })[UNDECODABLE];
      if (undecodable !== undefined) throw new InvalidArgumentError(`undecodable ${spec.rpc} request: ${undecodable}`);
      const wire = spec.requestFromWire ? spec.requestFromWire(call.request) : call.request;
      const result = await method(validate(spec.request, wire, `${spec.rpc} request`));
      return checkResponse(spec, result) as object;
    };
    run().then(
      (response) => callback(null, response),
      (error: unknown) => {
        const wire = toWireError(error, spec.rpc);
        const metadata = new grpc.Metadata();
        metadata.set(ERROR_METADATA.code, wire.code);
        metadata.set(ERROR_METADATA.domain, wire.domain);
        metadata.set(ERROR_METADATA.retriable, String(wire.retriable));
        callback({ code: grpc.status[wire.status], details: wire.message, metadata });
      },
    );
  };
}

async function serve<G extends object>(service: string, methods: MethodTable<G>, impl: G, options: ServeOptions): Promise<RpcServer> {
  const grpc = loadGrpc();
  const target = impl as unknown as Record<string, (request: unknown) => Promise<unknown>>;
  const handlers: Grpc.UntypedServiceImplementation = {};
  for (const [name, spec] of Object.entries(methods) as [string, MethodSpec][]) {
    const method = target[name];
    if (typeof method !== "function") throw new TypeError(`${service} implementation lacks method ${name}`);
    handlers[spec.rpc] = handler(grpc, spec, (request) => method.call(impl, request));
  }
  const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES });
  server.addService(lenientDefinition(service), handlers);
  const host = options.host ?? "127.0.0.1";
  const requested = `${host}:${options.port ?? 0}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(requested, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(new NetworkError(`cannot serve ${service} on ${requested}: ${error.message}`, "CONNECTION_FAILED", error));
      else resolve(bound);
    });
  });
  return {
    address: `${host}:${port}`,
    port,
    close: (graceMs = 1000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Serve a JobManager implementation (workers and clients call it). */
export function serveJobManager(impl: JobManagerGateway, options: ServeOptions = {}): Promise<RpcServer> {
  return serve(JOB_MANAGER_SERVICE, JOB_MANAGER_METHODS, impl, options);
}

/** Serve a worker implementation (the JobManager calls it). */
export function serveWorker(impl: WorkerGateway, options: ServeOptions = {}): Promise<RpcServer> {
  return serve(WORKER_SERVICE, WORKER_METHODS, impl, options);
}
