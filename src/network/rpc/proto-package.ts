/**
 * @module network/rpc/proto-package
 * The control-plane package definition, built once from the embedded JSON descriptor (no file I/O).
 */
import * as protoLoader from "@grpc/proto-loader";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { InternalError } from "../../core/index.ts";
import { CONTROL_DESCRIPTOR } from "./control-descriptor.generated.ts";

// uint64 fields become JS numbers (ids, sizes and times stay below 2^53); absent fields stay absent,
// so the zod schemas decide defaults; oneofs add a virtual field naming the member that is set.
const LOADER_OPTIONS: protoLoader.Options = { longs: Number, enums: String, defaults: false, oneofs: true };

let cached: protoLoader.PackageDefinition | undefined;

/** The service definition of `service` (a fully qualified name such as bicycle.control.WorkerService). */
export function serviceDefinition(service: string): ServiceDefinition {
  cached ??= protoLoader.fromJSON(CONTROL_DESCRIPTOR as Parameters<typeof protoLoader.fromJSON>[0], LOADER_OPTIONS);
  const definition = cached[service];
  if (definition === undefined || "format" in definition) throw new InternalError(`control.proto has no service ${service}`);
  return definition as ServiceDefinition;
}
