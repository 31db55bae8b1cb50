/**
 * Gateway conformance suite: one set of tests every control-plane transport must pass (in-memory and
 * gRPC), against the fakes in fakes.ts. Each transport's test file calls `gatewayConformance` once.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { BicycleError, asJobId, type CheckpointId } from "../../../src/core/index.ts";
import {
  InvalidArgumentError,
  NotFoundError,
  RpcError,
  type JobManagerGateway,
  type WorkerGateway,
} from "../../../src/network/rpc/index.ts";
import { FAKE_NOW_MS, bundleHash, createFakeJobManager, createFakeWorker, type FakeJobManager, type FakeWorker } from "./fakes.ts";

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
const WORKER = { workerId: "w1", host: "10.0.0.5", dataPort: 6121, slots: 4, cpuCores: 8, memoryMb: 16_384, rpcPort: 6122, hostname: "node-5" };
const PLAN = '{"nodes":[]}';
/** A SubmitJob request for a plan-only job (no bundle, default options). */
const planJob = (name: string, parallelism = 1) => ({ name, parallelism, planJson: PLAN, optionsJson: "{}" });
const DESCRIPTOR = JSON.stringify({ plan: { nodes: [] }, options: {}, placement: [{ taskId: "t1", workerId: "w1" }], channels: [] });

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
      const metrics = [{ taskId: "t1", jobId: "job-1", recordsIn: 10, recordsOut: 9, bytesIn: 2 ** 40, bytesOut: 0, backpressureRatio: 0.25 }];
      const beat = { workerId: "w1", freeSlots: 1, taskMetrics: metrics, cpuPercent: 37.5, rssBytes: 3 * 2 ** 30 };
      expect(await t.jobManager.heartbeat(beat)).toBeUndefined();
      expect(fakeJm.calls[1]).toEqual({ method: "heartbeat", request: beat });
      const overview = await t.jobManager.clusterOverview();
      expect(overview).toEqual({
        workers: [
          {
            workerId: "w1",
            host: "10.0.0.5",
            dataPort: 6121,
            slots: 4,
            freeSlots: 1,
            status: "alive",
            lastHeartbeatMs: FAKE_NOW_MS + 500,
            cpuCores: 8,
            memoryMb: 16_384,
            cpuPercent: 37.5,
            rssBytes: 3 * 2 ** 30,
            hostname: "node-5",
          },
        ],
        totalSlots: 4,
        freeSlots: 1,
        runningJobs: 0,
        uptimeMs: 42_000,
      });
    }, T);

    test("submits jobs with and without a bundle, lists and gets them", async () => {
      const a = await t.jobManager.submitJob({ name: "wordcount", parallelism: 2, planJson: PLAN, optionsJson: '{"checkpointIntervalMs":1000}' });
      const bytes = new Uint8Array([0, 1, 2, 255]);
      const b = await t.jobManager.submitJob({ name: "bundled", parallelism: 1, planJson: PLAN, bundle: bytes, optionsJson: "{}" });
      expect(a.jobId).not.toBe(b.jobId);
      const [plain, bundled] = fakeJm.submitted;
      expect(plain).toEqual({ name: "wordcount", parallelism: 2, planJson: PLAN, optionsJson: '{"checkpointIntervalMs":1000}' });
      expect(plain?.bundle).toBeUndefined();
      expect(bundled?.planJson).toBe(PLAN);
      expect(bundled?.bundle).toBeInstanceOf(Uint8Array);
      expect([...(bundled?.bundle ?? [])]).toEqual([0, 1, 2, 255]);
      const { jobs } = await t.jobManager.listJobs();
      expect(jobs.map((j) => j.name)).toEqual(["wordcount", "bundled"]);
      const details = await t.jobManager.getJob({ jobId: a.jobId });
      expect(details).toEqual({
        summary: { jobId: a.jobId, name: "wordcount", status: "running", parallelism: 2, startTimeMs: FAKE_NOW_MS, endTimeMs: 0, restarts: 0 },
        tasks: [],
        planJson: PLAN,
        checkpoints: [],
      });
    }, T);

    test("fetches a submitted bundle by its sha256, bytes intact", async () => {
      const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
      await t.jobManager.submitJob({ ...planJob("bundled"), bundle: bytes });
      const hash = bundleHash(bytes);
      const fetched = await t.jobManager.fetchBundle({ hash });
      expect(fetched.bytes).toBeInstanceOf(Uint8Array);
      expect(Buffer.compare(fetched.bytes, bytes)).toBe(0);
      expect(fakeJm.calls.at(-1)).toEqual({ method: "fetchBundle", request: { hash } });
      const unknown = await rejection(t.jobManager.fetchBundle({ hash: "0".repeat(64) }));
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect(unknown.message).toContain("0".repeat(64));
    }, T);

    test("carries task state updates, checkpoint acks and declines", async () => {
      const { jobId } = await t.jobManager.submitJob(planJob("j"));
      await t.jobManager.updateTaskState({ jobId, taskId: "t1", workerId: "w1", state: "failed", error: "boom at record 3", attempt: 2 });
      expect(fakeJm.calls.at(-1)).toEqual({
        method: "updateTaskState",
        request: { jobId, taskId: "t1", workerId: "w1", state: "failed", error: "boom at record 3", attempt: 2 },
      });
      const ack = { jobId, checkpointId: cp(3), taskId: "t1", file: "chk-3/t1.bin", sizeBytes: 5_000_000_000, checksum: "crc32:abcd", operators: ["src", "map"], attempt: 2 };
      await t.jobManager.acknowledgeCheckpoint(ack);
      await t.jobManager.declineCheckpoint({ jobId, checkpointId: cp(4), taskId: "t1", reason: "alignment timeout", attempt: 2 });
      expect(fakeJm.acks).toEqual([ack]);
      expect(fakeJm.declines).toEqual([{ jobId, checkpointId: cp(4), taskId: "t1", reason: "alignment timeout", attempt: 2 }]);
      const details = await t.jobManager.getJob({ jobId });
      expect(details.tasks).toEqual([{ taskId: "t1", workerId: "w1", state: "failed", recordsIn: 0, recordsOut: 0, bytesIn: 0, bytesOut: 0, backpressureRatio: 0 }]);
      expect(details.failure).toBe("boom at record 3");
      expect(details.lastCheckpointId).toBe(cp(3));
    }, T);

    test("cancels a job and triggers a savepoint", async () => {
      const { jobId } = await t.jobManager.submitJob(planJob("j"));
      expect(await t.jobManager.triggerSavepoint({ jobId, dir: "/tmp/sp", thenStop: false })).toEqual({ checkpointId: cp(7), path: "/tmp/sp/savepoint-7" });
      const details = await t.jobManager.getJob({ jobId });
      expect(details.savepointPath).toBe("/tmp/sp/savepoint-7");
      expect(details.checkpoints).toEqual([
        { checkpointId: cp(7), path: "/tmp/sp/savepoint-7", sizeBytes: 1234, durationMs: 15, completedAtMs: FAKE_NOW_MS + 60_000, kind: "savepoint" },
      ]);
      expect(await t.jobManager.cancelJob({ jobId })).toBeUndefined();
      expect((await t.jobManager.getJob({ jobId })).summary.status).toBe("cancelling");
    }, T);

    test("stop-with-savepoint carries thenStop", async () => {
      const { jobId } = await t.jobManager.submitJob(planJob("j"));
      await t.jobManager.triggerSavepoint({ jobId, dir: "/tmp/sp", thenStop: true });
      expect(fakeJm.calls.at(-1)).toEqual({ method: "triggerSavepoint", request: { jobId, dir: "/tmp/sp", thenStop: true } });
      expect((await t.jobManager.getJob({ jobId })).summary).toMatchObject({ status: "finished", endTimeMs: FAKE_NOW_MS + 60_000 });
    }, T);

    test("unknown ids fail with NotFoundError naming the id", async () => {
      const e = await rejection(t.jobManager.getJob({ jobId: asJobId("job-404") }));
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.code).toBe("NOT_FOUND");
      expect(e.message).toContain("job-404");
      const h = await rejection(t.jobManager.heartbeat({ workerId: "ghost", freeSlots: 0, taskMetrics: [], cpuPercent: 0, rssBytes: 0 }));
      expect(h).toBeInstanceOf(NotFoundError);
      expect(h.message).toContain("ghost");
      expect(await rejection(t.jobManager.cancelJob({ jobId: asJobId("nope") }))).toBeInstanceOf(NotFoundError);
    }, T);

    test("implementation errors keep code and domain, with the status of their domain", async () => {
      const submit = (name: string) => t.jobManager.submitJob(planJob(name));
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
      const noRpcPort = await rejection(t.jobManager.registerWorker({ ...WORKER, rpcPort: 0 }));
      expect(noRpcPort.message).toContain("rpcPort");
      const badEnum = await rejection(t.jobManager.updateTaskState({ jobId: asJobId("j"), taskId: "t", workerId: "w", state: "exploded", attempt: 1 } as never));
      expect(badEnum.message).toContain("state");
      const badRatio = await rejection(
        t.jobManager.heartbeat({ workerId: "w1", freeSlots: 0, cpuPercent: 0, rssBytes: 0, taskMetrics: [{ taskId: "t", jobId: "j", recordsIn: 0, recordsOut: 0, bytesIn: 0, bytesOut: 0, backpressureRatio: 1.5 }] }),
      );
      expect(badRatio.message).toContain("backpressureRatio");
      const noPlan = await rejection(t.jobManager.submitJob({ name: "j", parallelism: 1 } as never));
      expect(noPlan).toBeInstanceOf(InvalidArgumentError);
      expect(noPlan.message).toContain("SubmitJob request");
      expect(noPlan.message).toContain("planJson");
      const notBytes = await rejection(t.jobManager.submitJob({ ...planJob("j"), bundle: "not bytes" } as never));
      expect(notBytes.message).toContain("bundle");
      const badHash = await rejection(t.jobManager.fetchBundle({ hash: "not-a-sha256" }));
      expect(badHash).toBeInstanceOf(InvalidArgumentError);
      expect(badHash.message).toContain("FetchBundle request");
      expect(badHash.message).toContain("hash");
      const noDescriptor = await rejection(t.worker.deployTasks({ jobId: JOB_1, attempt: 0, descriptorJson: "" }));
      expect(noDescriptor).toBeInstanceOf(InvalidArgumentError);
      expect(noDescriptor.message).toContain("DeployTasks request");
      expect(noDescriptor.message).toContain("descriptorJson");
      expect(noDescriptor.message).toContain("attempt");
      const noTarget = await rejection(
        t.worker.triggerCheckpoint({ jobId: JOB_1, checkpointId: cp(1), timestampMs: 0, isSavepoint: false, thenStop: false, attempt: 1, targetDir: "" }),
      );
      expect(noTarget.message).toContain("targetDir");
      const noAttempt = await rejection(t.worker.notifyCheckpointAborted({ jobId: JOB_1, checkpointId: cp(1), attempt: 0 }));
      expect(noAttempt).toBeInstanceOf(InvalidArgumentError);
      expect(noAttempt.message).toContain("NotifyCheckpointAborted request");
      expect(noAttempt.message).toContain("attempt");
      expect(fakeJm.calls).toEqual([]);
      expect(fakeJm.submitted).toEqual([]);
      expect(fakeWorker.calls).toEqual([]);
    }, T);

    test("the worker gateway deploys, checkpoints, notifies and cancels", async () => {
      await t.worker.deployTasks({ jobId: JOB_1, attempt: 2, descriptorJson: DESCRIPTOR });
      const trigger = { jobId: JOB_1, checkpointId: cp(4), timestampMs: 1_700_000_000_123, isSavepoint: true, thenStop: false, attempt: 2, targetDir: "/tmp/sp" };
      await t.worker.triggerCheckpoint(trigger);
      await t.worker.notifyCheckpointComplete({ jobId: JOB_1, checkpointId: cp(4), attempt: 2 });
      await t.worker.notifyCheckpointAborted({ jobId: JOB_1, checkpointId: cp(5), attempt: 2 });
      await t.worker.cancelTasks({ jobId: JOB_1, attempt: 2 });
      await t.worker.cancelTasks({ jobId: JOB_1, attempt: 0 });
      expect(fakeWorker.calls).toEqual([
        { method: "deployTasks", request: { jobId: JOB_1, attempt: 2, descriptorJson: DESCRIPTOR } },
        { method: "triggerCheckpoint", request: trigger },
        { method: "notifyCheckpointComplete", request: { jobId: JOB_1, checkpointId: cp(4), attempt: 2 } },
        { method: "notifyCheckpointAborted", request: { jobId: JOB_1, checkpointId: cp(5), attempt: 2 } },
        { method: "cancelTasks", request: { jobId: JOB_1, attempt: 2 } },
        // Attempt 0 (every attempt) is dropped from the wire by proto3 and restored by the schema.
        { method: "cancelTasks", request: { jobId: JOB_1, attempt: 0 } },
      ]);
      const e = await rejection(
        t.worker.triggerCheckpoint({ jobId: asJobId("job-9"), checkpointId: cp(1), timestampMs: 0, isSavepoint: false, thenStop: false, attempt: 1, targetDir: "/tmp/chk" }),
      );
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.message).toContain("job-9");
      const aborted = await rejection(t.worker.notifyCheckpointAborted({ jobId: asJobId("job-9"), checkpointId: cp(1), attempt: 1 }));
      expect(aborted).toBeInstanceOf(NotFoundError);
      expect(aborted.message).toContain("job-9");
    }, T);
  });
}
