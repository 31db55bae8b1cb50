/**
 * Gateway conformance suite: one set of tests every control-plane transport must pass (in-memory and
 * gRPC), against the fakes in fakes.ts. Each transport's test file calls `gatewayConformance` once.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { BicycleError, asJobId, asVertexId, type CheckpointId } from "../../../src/core/index.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  RpcError,
  type JobManagerGateway,
  type WorkerGateway,
} from "../../../src/network/rpc/index.ts";
import { createFakeJobManager, createFakeWorker, type FakeJobManager, type FakeWorker } from "./fakes.ts";

/** What a transport provides: gateways that reach the given implementations, and a way to tear down. */
export interface Transport {
  readonly jobManager: JobManagerGateway;
  readonly worker: WorkerGateway;
  close(): Promise<void>;
}

export type TransportFactory = (jobManager: JobManagerGateway, worker: WorkerGateway) => Promise<Transport>;

const T = 10_000;
const cp = (n: number): CheckpointId => n as CheckpointId;
const JOB_1 = asJobId("job-1");
const WORKER = { workerId: "w1", host: "10.0.0.5", dataPort: 6121, slots: 4, cpuCores: 8, memoryMb: 16_384 };

/** The error `promise` rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<BicycleError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BicycleError);
    return error as BicycleError;
  }
  throw new Error("expected the call to fail");
}

export function gatewayConformance(name: string, factory: TransportFactory): void {
  describe(`gateway conformance: ${name}`, () => {
    let fakeJm: FakeJobManager;
    let fakeWorker: FakeWorker;
    let t: Transport;
    beforeEach(async () => {
      fakeJm = createFakeJobManager();
      fakeWorker = createFakeWorker();
      t = await factory(fakeJm, fakeWorker);
    });
    afterEach(async () => {
      await t.close();
    });

    test("registers a worker and reflects heartbeats in the cluster overview", async () => {
      expect(await t.jobManager.registerWorker(WORKER)).toEqual({ accepted: true, heartbeatIntervalMs: 500 });
      expect(fakeJm.calls[0]).toEqual({ method: "registerWorker", request: WORKER });
      const metrics = [{ taskId: "t1", recordsIn: 10, recordsOut: 9, bytesIn: 2 ** 40, bytesOut: 0 }];
      expect(await t.jobManager.heartbeat({ workerId: "w1", freeSlots: 1, taskMetrics: metrics })).toBeUndefined();
      expect(fakeJm.calls[1]).toEqual({ method: "heartbeat", request: { workerId: "w1", freeSlots: 1, taskMetrics: metrics } });
      const overview = await t.jobManager.clusterOverview();
      expect(overview).toEqual({
        workers: [{ workerId: "w1", host: "10.0.0.5", dataPort: 6121, slots: 4, freeSlots: 1 }],
        totalSlots: 4,
        freeSlots: 1,
        runningJobs: 0,
      });
    }, T);

    test("submits plan and bundle jobs, lists and gets them", async () => {
      const a = await t.jobManager.submitJob({ name: "wordcount", parallelism: 2, program: { kind: "plan", json: '{"nodes":[]}' } });
      const bytes = new Uint8Array([0, 1, 2, 255]);
      const b = await t.jobManager.submitJob({ name: "bundled", parallelism: 1, program: { kind: "bundle", bytes } });
      expect(a.jobId).not.toBe(b.jobId);
      expect(fakeJm.submitted[0]?.program).toEqual({ kind: "plan", json: '{"nodes":[]}' });
      const bundle = fakeJm.submitted[1]?.program;
      expect(bundle?.kind).toBe("bundle");
      expect(bundle?.kind === "bundle" ? [...bundle.bytes] : []).toEqual([0, 1, 2, 255]);
      const { jobs } = await t.jobManager.listJobs();
      expect(jobs.map((j) => j.name)).toEqual(["wordcount", "bundled"]);
      const details = await t.jobManager.getJob({ jobId: a.jobId });
      expect(details).toEqual({ summary: { jobId: a.jobId, name: "wordcount", status: "running", parallelism: 2, startTimeMs: 1_700_000_000_000 }, tasks: [] });
    }, T);

    test("carries task state updates, checkpoint acks and declines", async () => {
      const { jobId } = await t.jobManager.submitJob({ name: "j", parallelism: 1, program: { kind: "plan", json: "{}" } });
      await t.jobManager.updateTaskState({ jobId, taskId: "t1", workerId: "w1", state: "failed", error: "boom at record 3" });
      const ack = { jobId, checkpointId: cp(3), taskId: "t1", file: "chk-3/t1.bin", sizeBytes: 5_000_000_000, checksum: "crc32:abcd", operators: ["src", "map"] };
      await t.jobManager.acknowledgeCheckpoint(ack);
      await t.jobManager.declineCheckpoint({ jobId, checkpointId: cp(4), taskId: "t1", reason: "alignment timeout" });
      expect(fakeJm.acks).toEqual([ack]);
      expect(fakeJm.declines).toEqual([{ jobId, checkpointId: cp(4), taskId: "t1", reason: "alignment timeout" }]);
      const details = await t.jobManager.getJob({ jobId });
      expect(details.tasks).toEqual([{ taskId: "t1", workerId: "w1", state: "failed" }]);
      expect(details.failure).toBe("boom at record 3");
      expect(details.lastCheckpointId).toBe(cp(3));
    }, T);

    test("cancels a job and triggers a savepoint", async () => {
      const { jobId } = await t.jobManager.submitJob({ name: "j", parallelism: 1, program: { kind: "plan", json: "{}" } });
      expect(await t.jobManager.triggerSavepoint({ jobId, dir: "/tmp/sp" })).toEqual({ checkpointId: cp(7), path: "/tmp/sp/savepoint-7" });
      expect(await t.jobManager.cancelJob({ jobId })).toBeUndefined();
      expect((await t.jobManager.getJob({ jobId })).summary.status).toBe("cancelling");
    }, T);

    test("unknown ids fail with NotFoundError naming the id", async () => {
      const e = await rejection(t.jobManager.getJob({ jobId: asJobId("job-404") }));
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.code).toBe("NOT_FOUND");
      expect(e.message).toContain("job-404");
      const h = await rejection(t.jobManager.heartbeat({ workerId: "ghost", freeSlots: 0, taskMetrics: [] }));
      expect(h).toBeInstanceOf(NotFoundError);
      expect(h.message).toContain("ghost");
      expect(await rejection(t.jobManager.cancelJob({ jobId: asJobId("nope") }))).toBeInstanceOf(NotFoundError);
    }, T);

    test("implementation errors keep code and domain, with the status of their domain", async () => {
      const submit = (name: string) => t.jobManager.submitJob({ name, parallelism: 1, program: { kind: "plan", json: "{}" } });
      const user = await rejection(submit("fail-user"));
      expect(user).toBeInstanceOf(RpcError);
      expect([(user as RpcError).status, user.code, user.domain, user.retriable]).toEqual(["FAILED_PRECONDITION", "PLAN_INVALID", "user", false]);
      expect(user.message).toBe("plan has a cycle at vertex v3");
      const external = await rejection(submit("fail-external"));
      expect([(external as RpcError).status, external.code, external.domain, external.retriable]).toEqual(["UNAVAILABLE", "STORAGE_DOWN", "external", true]);
      const bug = await rejection(submit("fail-bug"));
      expect([(bug as RpcError).status, bug.code, bug.domain]).toEqual(["INTERNAL", "INTERNAL", "internal"]);
      expect(bug.message).toContain("SubmitJob failed unexpectedly: undefined is not a function");
      // A user error that is a state conflict: cancelling twice.
      const { jobId } = await submit("j");
      await t.jobManager.cancelJob({ jobId });
      const twice = await rejection(t.jobManager.cancelJob({ jobId }));
      expect([(twice as RpcError).status, twice.code]).toEqual(["FAILED_PRECONDITION", "JOB_NOT_CANCELLABLE"]);
    }, T);

    test("malformed requests fail with InvalidArgumentError naming the field, before reaching the implementation", async () => {
      const missing = await rejection(t.jobManager.registerWorker({ ...WORKER, workerId: undefined } as never));
      expect(missing).toBeInstanceOf(InvalidArgumentError);
      expect(missing.code).toBe("INVALID_ARGUMENT");
      expect(missing.message).toContain("RegisterWorker request");
      expect(missing.message).toContain("workerId");
      const wrongType = await rejection(t.jobManager.registerWorker({ ...WORKER, slots: "4" } as never));
      expect(wrongType.message).toContain("slots");
      const badEnum = await rejection(t.jobManager.updateTaskState({ jobId: asJobId("j"), taskId: "t", workerId: "w", state: "exploded" } as never));
      expect(badEnum.message).toContain("state");
      const noProgram = await rejection(t.jobManager.submitJob({ name: "j", parallelism: 1 } as never));
      expect(noProgram.message).toContain("program");
      const noTasks = await rejection(t.worker.deployTasks({ jobId: JOB_1, tasks: [] }));
      expect(noTasks).toBeInstanceOf(InvalidArgumentError);
      expect(noTasks.message).toContain("tasks");
      expect(fakeJm.calls).toEqual([]);
      expect(fakeWorker.calls).toEqual([]);
    }, T);

    test("the worker gateway deploys, checkpoints, notifies and cancels", async () => {
      const task = { taskId: "t1", vertexId: asVertexId("v1"), subtaskIndex: 0, parallelism: 2, configJson: '{"op":"map"}', restoreCheckpointId: cp(3) };
      const fresh = { taskId: "t2", vertexId: asVertexId("v1"), subtaskIndex: 1, parallelism: 2, configJson: "{}" };
      await t.worker.deployTasks({ jobId: JOB_1, tasks: [task, fresh] });
      await t.worker.triggerCheckpoint({ jobId: JOB_1, checkpointId: cp(4), timestampMs: 1_700_000_000_123, isSavepoint: true, thenStop: false });
      await t.worker.notifyCheckpointComplete({ jobId: JOB_1, checkpointId: cp(4) });
      await t.worker.cancelTasks({ jobId: JOB_1, taskIds: ["t1", "t2"] });
      expect(fakeWorker.calls.map((c) => c.method)).toEqual(["deployTasks", "triggerCheckpoint", "notifyCheckpointComplete", "cancelTasks"]);
      const deployed = fakeWorker.calls[0]?.request as { tasks: unknown[] };
      expect(deployed.tasks).toEqual([task, fresh]);
      expect(fakeWorker.calls[1]?.request).toEqual({ jobId: JOB_1, checkpointId: cp(4), timestampMs: 1_700_000_000_123, isSavepoint: true, thenStop: false });
      const e = await rejection(t.worker.triggerCheckpoint({ jobId: asJobId("job-9"), checkpointId: cp(1), timestampMs: 0, isSavepoint: false, thenStop: false }));
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.message).toContain("job-9");
    }, T);
  });
}
