/** WorkerRegistry: registration, heartbeats, timeouts on a manual clock, loss reporting and events. */
import { describe, expect, test } from "bun:test";
import { ConfigError, InternalError } from "../../core/index.ts";
import { WorkerRegistry, type WorkerEvent, type WorkerRegistration } from "./worker-registry.ts";

const reg = (workerId: string, slots = 2): WorkerRegistration => ({ workerId, host: "10.0.0.1", dataPort: 7000, slots, cpuCores: 4, memoryMb: 1024 });

function setup(timeoutMs = 1000) {
  let clock = 10_000;
  const registry = new WorkerRegistry({ heartbeatTimeoutMs: timeoutMs, now: () => clock });
  const events: WorkerEvent[] = [];
  registry.subscribe((e) => events.push(e));
  return { registry, events, advance: (ms: number) => void (clock += ms), now: () => clock };
}

const metrics = [{ taskId: "map#0", recordsIn: 10, recordsOut: 9, bytesIn: 100, bytesOut: 90, backpressureRatio: 0.25 }];

describe("WorkerRegistry", () => {
  test("register: a new worker is alive with all slots free", () => {
    const { registry, events, now } = setup();
    expect(registry.register({ ...reg("w1", 4), hostname: "box-1" })).toEqual({ reRegistered: false });
    const w = registry.get("w1")!;
    expect(w).toMatchObject({ workerId: "w1", host: "10.0.0.1", hostname: "box-1", dataPort: 7000, slots: 4, freeSlots: 4, status: "alive", taskMetrics: [] });
    expect(w.registeredAt).toBe(now());
    expect(w.lastHeartbeat).toBe(now());
    expect(events.map((e) => [e.type, e.worker.workerId])).toEqual([["registered", "w1"]]);
    expect(events[0]).toMatchObject({ reRegistered: false });
  });

  test("heartbeat refreshes the worker and replaces its report", () => {
    const { registry, advance, now } = setup();
    registry.register(reg("w1"));
    advance(500);
    expect(registry.heartbeat("w1", { freeSlots: 1, taskMetrics: metrics, cpuPercent: 42, rssBytes: 1 << 20 })).toBe(true);
    expect(registry.get("w1")).toMatchObject({ lastHeartbeat: now(), freeSlots: 1, taskMetrics: metrics, cpuPercent: 42, rssBytes: 1 << 20 });
    // A report without cpu/rss drops the old values instead of showing stale ones; freeSlots is clamped.
    expect(registry.heartbeat("w1", { freeSlots: 9, taskMetrics: [] })).toBe(true);
    const w = registry.get("w1")!;
    expect(w.freeSlots).toBe(2);
    expect("cpuPercent" in w).toBe(false);
    expect(w.taskMetrics).toEqual([]);
  });

  test("heartbeat of an unknown worker returns false", () => {
    const { registry } = setup();
    expect(registry.heartbeat("nobody", { freeSlots: 0, taskMetrics: [] })).toBe(false);
  });

  test("checkTimeouts reports a silent worker once, takes its slots and refuses its heartbeats", () => {
    const { registry, events, advance } = setup(1000);
    registry.register(reg("w1"));
    registry.register(reg("w2"));
    advance(600);
    registry.heartbeat("w2", { freeSlots: 2, taskMetrics: [] });
    advance(400);
    expect(registry.checkTimeouts()).toEqual([]); // exactly at the timeout: still alive
    advance(1);
    const lost = registry.checkTimeouts();
    expect(lost.map((w) => w.workerId)).toEqual(["w1"]);
    expect(lost[0]).toMatchObject({ status: "lost", freeSlots: 0 });
    expect(lost[0]!.lostReason).toContain("no heartbeat for 1001 ms");
    expect(registry.checkTimeouts()).toEqual([]); // reported once
    expect(registry.heartbeat("w1", { freeSlots: 2, taskMetrics: [] })).toBe(false);
    expect(registry.alive().map((w) => w.workerId)).toEqual(["w2"]);
    expect(registry.all().map((w) => [w.workerId, w.status])).toEqual([
      ["w1", "lost"],
      ["w2", "alive"],
    ]);
    expect(events.filter((e) => e.type === "lost").map((e) => e.worker.workerId)).toEqual(["w1"]);
    advance(5000);
    expect(registry.checkTimeouts().map((w) => w.workerId)).toEqual(["w2"]);
  });

  test("markLost: reason kept, event once, unknown id -> undefined", () => {
    const { registry, events } = setup();
    registry.register(reg("w1"));
    const lost = registry.markLost("w1", "connection reset");
    expect(lost).toMatchObject({ workerId: "w1", status: "lost", freeSlots: 0, lostReason: "connection reset" });
    expect(registry.markLost("w1", "again")).toMatchObject({ lostReason: "connection reset" });
    expect(events.filter((e) => e.type === "lost")).toEqual([{ type: "lost", worker: lost!, reason: "connection reset" }]);
    expect(registry.markLost("nobody", "x")).toBeUndefined();
    expect(registry.checkTimeouts()).toEqual([]);
  });

  test("registering the same id again replaces the entry (lost or alive) and says so", () => {
    const { registry, events, advance, now } = setup();
    registry.register(reg("w1", 2));
    registry.markLost("w1", "gone");
    advance(10);
    expect(registry.register(reg("w1", 8))).toEqual({ reRegistered: true });
    expect(registry.get("w1")).toMatchObject({ status: "alive", slots: 8, freeSlots: 8, registeredAt: now() });
    expect(registry.get("w1")!.lostReason).toBeUndefined();
    expect(registry.heartbeat("w1", { freeSlots: 3, taskMetrics: [] })).toBe(true);
    // An alive worker that restarted before its timeout (or a JobManager restart) also re-registers.
    expect(registry.register(reg("w1", 8))).toEqual({ reRegistered: true });
    expect(events.map((e) => e.type)).toEqual(["registered", "lost", "registered", "registered"]);
    expect(events.at(-1)).toMatchObject({ reRegistered: true });
  });

  test("returned infos are copies: mutating them does not change the registry", () => {
    const { registry } = setup();
    registry.register(reg("w1"));
    registry.heartbeat("w1", { freeSlots: 1, taskMetrics: metrics });
    const w = registry.get("w1")!;
    w.freeSlots = 99;
    (w.taskMetrics[0] as { recordsIn: number }).recordsIn = -1;
    expect(registry.get("w1")!.freeSlots).toBe(1);
    expect(registry.get("w1")!.taskMetrics[0]!.recordsIn).toBe(10);
  });

  test("unsubscribe stops events; a throwing listener does not starve the others", () => {
    const { registry, events } = setup();
    const seen: string[] = [];
    const off = registry.subscribe(() => {
      throw new Error("listener bug");
    });
    registry.subscribe((e) => seen.push(e.worker.workerId));
    expect(() => registry.register(reg("w1"))).toThrow(InternalError);
    expect(registry.get("w1")?.status).toBe("alive"); // the change happened
    expect(seen).toEqual(["w1"]);
    expect(events.length).toBe(1);
    off();
    expect(() => registry.register(reg("w2"))).not.toThrow();
    expect(seen).toEqual(["w1", "w2"]);
  });

  test("rejects a non-positive heartbeat timeout and bad registrations", () => {
    expect(() => new WorkerRegistry({ heartbeatTimeoutMs: 0 })).toThrow(ConfigError);
    const { registry } = setup();
    expect(() => registry.register(reg("", 1))).toThrow(RangeError);
    expect(() => registry.register(reg("w1", -1))).toThrow(RangeError);
  });

  test("uses Date.now by default", () => {
    const registry = new WorkerRegistry({ heartbeatTimeoutMs: 60_000 });
    const before = Date.now();
    registry.register(reg("w1"));
    expect(registry.get("w1")!.registeredAt).toBeGreaterThanOrEqual(before);
    expect(registry.checkTimeouts()).toEqual([]);
  });
});
