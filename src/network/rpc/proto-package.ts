/**
 * @module network/rpc/proto-package
 * The control-plane package definition, built once from the embedded JSON descriptor (no file I/O), and
 * the one place that loads the gRPC packages.
 *
 * @grpc/grpc-js (~80 ms to evaluate) and @grpc/proto-loader (which pulls in protobufjs) are loaded
 * lazily with a synchronous `require()` the first time a server or client is created, not when this
 * module is imported: the network barrel is imported by every process and slot thread, but only the
 * standalone `jobmanager` / `worker` processes and remote clients speak gRPC (a MiniCluster's control
 * plane is in memory). The cost moves to the first `serve*` / `connect*` call; `require` (rather than
 * `await import`) keeps `connect*` synchronous and is cached by the module loader.
 */
import type * as Grpc from "@grpc/grpc-js";
import type * as ProtoLoader from "@grpc/proto-loader";
import { InternalError } from "../../core/index.ts";
import { CONTROL_DESCRIPTOR } from "./control-descriptor.generated.ts";

/** @grpc/grpc-js, loaded on first use (see the module comment). */
export function loadGrpc(): typeof Grpc {
  return require("@grpc/grpc-js") as typeof Grpc;
}

let cached: ProtoLoader.PackageDefinition | undefined;

/** The service definition of `service` (a fully qualified name such as bicycle.control.WorkerService). */
export function serviceDefinition(service: string): Grpc.ServiceDefinition {
  if (cached === undefined) {
    const protoLoader = require("@grpc/proto-loader") as typeof ProtoLoader;
    // uint64 fields become JS numbers (ids, sizes and times stay below 2^53); absent fields stay absent,
    // so the zod schemas decide defaults; oneofs add a virtual field naming the member that is set.
    const options: ProtoLoader.Options = { longs: Number, enums: String, defaults: false, oneofs: true };
    cached = protoLoader.fromJSON(CONTROL_DESCRIPTOR as Parameters<typeof protoLoader.fromJSON>[0], options);
  }
  const definition = cached[service];
  if (definition === undefined || "format" in definition) throw new InternalError(`control.proto has no service ${service}`);
  return definition as Grpc.ServiceDefinition;
}
