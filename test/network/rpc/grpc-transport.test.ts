/**
 * gRPC-only behaviour of the control plane: server-side validation of raw (unvalidated) requests,
 * status codes on the wire, deadlines, unreachable peers, and the embedded descriptor staying in sync.
 */
import { afterEach, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import { join } from "node:path";
import { NetworkError } from "../../../src/network/index.ts";
import {
  JOB_MANAGER_SERVICE,
  connectJobManager,
  serveJobManager,
  type JobManagerGateway,
  type RpcServer,
} from "../../../src/network/rpc/index.ts";
import { serviceDefinition } from "../../../src/network/rpc/proto-package.ts";
import { renderDescriptorModule } from "../../../proto/generate-descriptor.ts";
import { bundleHash, createFakeJobManager } from "./fakes.ts";

const T = 15_000;
const ROOT = join(import.meta.dir, "..", "..", "..");

let server: RpcServer | null = null;
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

/** Call `rpc` with a raw object, bypassing the typed client's validation; resolves with the status. */
function rawCall(address: string, rpc: string, request: object): Promise<{ code: number; details: string; value?: unknown }> {
  const method = serviceDefinition(JOB_MANAGER_SERVICE)[rpc];
  if (method === undefined) throw new Error(`no rpc ${rpc}`);
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  clients.push(client);
  return new Promise((resolve) => {
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (error, value) =>
      resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: "", value }),
    );
  });
}

describe("gRPC control plane", () => {
  test("the server answers malformed requests with INVALID_ARGUMENT naming the field", async () => {
    const fake = createFakeJobManager();
    server = await serveJobManager(fake);
    const empty = await rawCall(server.address, "RegisterWorker", {});
    expect(empty.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(empty.details).toContain("workerId");
    expect(empty.details).toContain("dataPort");
    const outOfRange = await rawCall(server.address, "RegisterWorker", { workerId: "w", host: "h", dataPort: 70_000, slots: 1, rpcPort: 2 });
    expect(outOfRange.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outOfRange.details).toContain("dataPort");
    expect(outOfRange.details).not.toContain("workerId");
    const noPlan = await rawCall(server.address, "SubmitJob", { name: "j", parallelism: 1 });
    expect(noPlan.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noPlan.details).toContain("planJson");
    const badHash = await rawCall(server.address, "FetchBundle", { hash: "ABC" });
    expect(badHash.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badHash.details).toContain("hash");
    const badState = await rawCall(server.address, "TaskStateUpdate", { jobId: "j", taskId: "t", workerId: "w", state: "melted" });
    expect(badState.details).toContain("state");
    expect(fake.calls).toEqual([]);
    // Proto3 omits zeros from the wire; the schemas restore them, so a valid request with zeros passes.
    const ok = await rawCall(server.address, "RegisterWorker", { workerId: "w", host: "h", dataPort: 1, slots: 1, rpcPort: 2 });
    expect(ok).toEqual({ code: grpc.status.OK, details: "", value: { accepted: true, heartbeatIntervalMs: 500 } });
    expect(fake.calls[0]?.request).toEqual({ workerId: "w", host: "h", dataPort: 1, slots: 1, cpuCores: 0, memoryMb: 0, rpcPort: 2, hostname: "" });
    // Likewise SubmitJob: no bundle stays absent, parallelism 0 and options "{}" come back as defaults.
    const plain = await rawCall(server.address, "SubmitJob", { name: "j", planJson: "{}" });
    expect(plain.code).toBe(grpc.status.OK);
    expect(fake.submitted).toEqual([{ name: "j", parallelism: 0, planJson: "{}", optionsJson: "{}" }]);
    expect("bundle" in (fake.submitted[0] ?? {})).toBe(false);
  }, T);

  test("request bytes that do not decode are INVALID_ARGUMENT, not INTERNAL", async () => {
    server = await serveJobManager(createFakeJobManager());
    const method = serviceDefinition(JOB_MANAGER_SERVICE).RegisterWorker;
    if (method === undefined) throw new Error("no RegisterWorker");
    const client = new grpc.Client(server.address, grpc.credentials.createInsecure());
    clients.push(client);
    // Field 3 (data_port, a varint) sent as a length-delimited field: protobufjs cannot decode it.
    const bytes = Buffer.from([0x1a, 0x03, 0x41, 0x42, 0x43]);
    const code = await new Promise<number>((resolve) => {
      const identity = (b: Buffer): Buffer => b;
      client.makeUnaryRequest(method.path, identity, identity, bytes, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (error) => resolve(error?.code ?? 0));
    });
    expect(code).toBe(grpc.status.INVALID_ARGUMENT);
  }, T);

  test("unknown ids and domain errors travel as gRPC statuses", async () => {
    server = await serveJobManager(createFakeJobManager());
    const missing = await rawCall(server.address, "GetJob", { jobId: "job-404" });
    expect(missing).toEqual({ code: grpc.status.NOT_FOUND, details: "job job-404 not found" });
    const user = await rawCall(server.address, "SubmitJob", { name: "fail-user", parallelism: 1, planJson: "{}" });
    expect(user.code).toBe(grpc.status.FAILED_PRECONDITION);
    const external = await rawCall(server.address, "SubmitJob", { name: "fail-external", parallelism: 1, planJson: "{}" });
    expect(external.code).toBe(grpc.status.UNAVAILABLE);
    const bug = await rawCall(server.address, "SubmitJob", { name: "fail-bug", parallelism: 1, planJson: "{}" });
    expect(bug.code).toBe(grpc.status.INTERNAL);
  }, T);

  test("a call to an unreachable address fails with a NetworkError naming it, within the deadline", async () => {
    // Bind and release a port so nothing listens on it.
    const probe = await serveJobManager(createFakeJobManager());
    await probe.close();
    const client = connectJobManager(probe.address, { deadlineMs: 2000 });
    const started = performance.now();
    try {
      await client.listJobs();
      throw new Error("expected listJobs to fail");
    } catch (error) {
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).message).toContain(probe.address);
      expect((error as NetworkError).message).toContain("ListJobs");
      expect((error as NetworkError).retriable).toBe(true);
    } finally {
      client.close();
    }
    expect(performance.now() - started).toBeLessThan(2500);
  }, T);

  test("a call that outlives its deadline fails with a NetworkError", async () => {
    const fake = createFakeJobManager();
    const slow: JobManagerGateway = { ...fake, listJobs: () => new Promise((resolve) => setTimeout(() => resolve({ jobs: [] }), 3000)) };
    server = await serveJobManager(slow);
    const client = connectJobManager(server.address, { deadlineMs: 300 });
    const started = performance.now();
    try {
      await client.listJobs();
      throw new Error("expected listJobs to time out");
    } catch (error) {
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).message).toContain("DEADLINE_EXCEEDED");
      expect((error as NetworkError).message).toContain(server.address);
    } finally {
      client.close();
    }
    expect(performance.now() - started).toBeLessThan(1500);
  }, T);

  test("a job bundle larger than grpc-js's 4 MiB default arrives intact, both ways", async () => {
    const fake = createFakeJobManager();
    server = await serveJobManager(fake);
    const client = connectJobManager(server.address, { deadlineMs: 10_000 });
    const bytes = new Uint8Array(12 * 1024 * 1024).map((_, i) => i % 251);
    let fetched: Uint8Array | undefined;
    try {
      await client.submitJob({ name: "big", parallelism: 1, planJson: "{}", bundle: bytes, optionsJson: "{}" });
      fetched = (await client.fetchBundle({ hash: bundleHash(bytes) })).bytes;
    } finally {
      client.close();
    }
    const bundle = fake.submitted[0]?.bundle;
    expect(bundle === undefined ? -1 : Buffer.compare(bundle, bytes)).toBe(0);
    expect(fetched === undefined ? -1 : Buffer.compare(fetched, bytes)).toBe(0);
  }, T);

  test("the embedded descriptor matches proto/control.proto (run bun proto/generate-descriptor.ts)", async () => {
    const proto = await Bun.file(join(ROOT, "proto", "control.proto")).text();
    const embedded = await Bun.file(join(ROOT, "src", "network", "rpc", "control-descriptor.generated.ts")).text();
    expect(embedded).toBe(renderDescriptorModule(proto));
  }, T);
});
