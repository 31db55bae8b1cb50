/** CheckpointCoordinator: scheduling, completion, timeout, decline, stale acks, retention, savepoints, stats. No I/O. */
import { describe, expect, test } from "bun:test";
import { ConfigError, InternalError } from "../core/index.ts";
import { CheckpointCoordinator } from "./checkpoint-coordinator.ts";
import type { CompletedCheckpoint, CoordinatorAction } from "./coordinator-action.ts";
import { CheckpointError } from "./checkpoint-error.ts";
import type { TaskStateHandle } from "./checkpoint-metadata.ts";

const TASKS = ["src-0", "map-0", "sink-0"] as const;

function handle(taskId: string, sizeBytes = 10): TaskStateHandle {
  return { taskId, file: `${taskId}.state`, sizeBytes, checksum: "ab", operators: [`op-${taskId}`] };
}

function running(config: ConstructorParameters<typeof CheckpointCoordinator>[1] = {}, options: ConstructorParameters<typeof CheckpointCoordinator>[2] = {}): CheckpointCoordinator {
  const c = new CheckpointCoordinator(TASKS, config, options);
  c.start(0);
  return c;
}

/** All tasks ack `id` at `now`; returns the actions of the last ack. */
function ackAll(c: CheckpointCoordinator, id: number, now: number, size = 10): CoordinatorAction[] {
  let last: CoordinatorAction[] = [];
  for (const t of TASKS) last = c.acknowledge(id, t, handle(t, size), now);
  return last;
}

function kinds(actions: CoordinatorAction[] | CheckpointError): string[] {
  if (actions instanceof CheckpointError) throw actions;
  return actions.map((a) => (a.kind === "trigger" || a.kind === "notify-complete" || a.kind === "discard" || a.kind === "abort" ? `${a.kind}:${a.checkpointId}` : a.kind));
}

/** Run checkpoint `id` (already triggered) to completion at `now`. */
function complete(c: CheckpointCoordinator, id: number, now: number): CoordinatorAction[] {
  const acks = ackAll(c, id, now);
  expect(kinds(acks)).toEqual(["persist"]);
  return c.persisted(id, now);
}

describe("configuration", () => {
  test("defaults: periodic off, 10 min timeout, retain 3", () => {
    const c = new CheckpointCoordinator(TASKS);
    expect(c.config).toEqual({ intervalMs: 0, timeoutMs: 600_000, minPauseMs: 0, maxConcurrent: 1, retained: 3 });
  });

  test("rejects bad values with a ConfigError naming the key", () => {
    expect(() => new CheckpointCoordinator(TASKS, { maxConcurrent: 2 as 1 })).toThrow(ConfigError);
    expect(() => new CheckpointCoordinator(TASKS, { maxConcurrent: 2 as 1 })).toThrow(/maxConcurrent/);
    expect(() => new CheckpointCoordinator(TASKS, { timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new CheckpointCoordinator(TASKS, { retained: 0 })).toThrow(/retained/);
  });

  test("rejects an empty or duplicated task list", () => {
    expect(() => new CheckpointCoordinator([])).toThrow(InternalError);
    expect(() => new CheckpointCoordinator(["a", "a"])).toThrow(/duplicate/);
  });
});

describe("periodic scheduling", () => {
  test("nothing is triggered before start, nor with intervalMs 0", () => {
    const idle = new CheckpointCoordinator(TASKS, { intervalMs: 100 });
    expect(idle.tick(1_000)).toEqual([]);
    expect(idle.nextDeadline()).toBeNull();
    const off = running({ intervalMs: 0 });
    expect(off.tick(1_000_000)).toEqual([]);
    expect(off.nextDeadline()).toBeNull();
  });

  test("first checkpoint one interval after start, ids from 1", () => {
    const c = running({ intervalMs: 100 });
    expect(c.nextDeadline()).toBe(100);
    expect(c.tick(99)).toEqual([]);
    const [trigger] = c.tick(100);
    expect(trigger).toEqual({ kind: "trigger", checkpointId: 1, timestamp: 100, isSavepoint: false, savepointDir: null, thenStop: false });
  });

  test("no second trigger while one is in flight (max concurrent 1), next due one interval after the last trigger", () => {
    const c = running({ intervalMs: 100, timeoutMs: 10_000 });
    expect(kinds(c.tick(100))).toEqual(["trigger:1"]);
    expect(c.tick(250)).toEqual([]);
    expect(c.nextDeadline()).toBe(10_100); // only the timeout
    expect(kinds(complete(c, 1, 260))).toEqual(["notify-complete:1"]);
    // interval counted from the trigger (100) has passed: due at once (min pause 0 after the end at 260)
    expect(c.nextDeadline()).toBe(260);
    expect(kinds(c.tick(260))).toEqual(["trigger:2"]);
  });

  test("min pause counts from the end of the previous checkpoint", () => {
    const c = running({ intervalMs: 100, minPauseMs: 80 });
    c.tick(100);
    complete(c, 1, 190);
    expect(c.nextDeadline()).toBe(270); // max(100 + 100, 190 + 80)
    expect(c.tick(269)).toEqual([]);
    expect(kinds(c.tick(270))).toEqual(["trigger:2"]);
  });

  test("min pause also applies after a failed checkpoint", () => {
    const c = running({ intervalMs: 100, minPauseMs: 500, timeoutMs: 50 });
    c.tick(100);
    expect(kinds(c.tick(150))).toEqual(["abort:1"]);
    expect(c.nextDeadline()).toBe(650);
    expect(kinds(c.tick(650))).toEqual(["trigger:2"]);
  });

  test("a late tick triggers once and re-anchors the interval", () => {
    const c = running({ intervalMs: 100 });
    expect(kinds(c.tick(1_000))).toEqual(["trigger:1"]);
    complete(c, 1, 1_010);
    expect(c.nextDeadline()).toBe(1_100);
  });

  test("ids continue after startAfter and existing checkpoints", () => {
    const c = running({ intervalMs: 10 }, { startAfter: 41 });
    expect(kinds(c.tick(10))).toEqual(["trigger:42"]);
  });
});

describe("manual trigger", () => {
  test("refused before start, while in flight and within the min pause", () => {
    const c = new CheckpointCoordinator(TASKS, { minPauseMs: 100 });
    const early = c.triggerCheckpoint(0);
    expect(early).toBeInstanceOf(CheckpointError);
    expect((early as CheckpointError).reason).toBe("NOT_ALL_TASKS_RUNNING");
    expect((early as CheckpointError).preFlight).toBe(true);
    c.start(0);
    expect(kinds(c.triggerCheckpoint(5))).toEqual(["trigger:1"]);
    const busy = c.triggerCheckpoint(6) as CheckpointError;
    expect(busy.reason).toBe("TOO_MANY_CONCURRENT");
    expect(busy.message).toContain("checkpoint 1 is in progress");
    complete(c, 1, 50);
    const paused = c.triggerCheckpoint(100) as CheckpointError;
    expect(paused.reason).toBe("MIN_PAUSE_NOT_ELAPSED");
    expect(paused.message).toContain("50 ms left");
    expect(kinds(c.triggerCheckpoint(150))).toEqual(["trigger:2"]);
  });
});

describe("completion", () => {
  test("persist after the last ack, with handles in task order and the total size", () => {
    const c = running();
    c.triggerCheckpoint(10);
    expect(c.acknowledge(1, "sink-0", handle("sink-0", 3), 11)).toEqual([]);
    expect(c.acknowledge(1, "src-0", handle("src-0", 1), 12)).toEqual([]);
    const [persist] = c.acknowledge(1, "map-0", handle("map-0", 2), 13);
    expect(persist).toEqual({
      kind: "persist",
      checkpoint: {
        checkpointId: 1,
        timestamp: 10,
        isSavepoint: false,
        savepointDir: null,
        thenStop: false,
        tasks: [handle("src-0", 1), handle("map-0", 2), handle("sink-0", 3)],
        totalSizeBytes: 6,
      },
    });
    expect(c.inFlight()).toEqual({ checkpointId: 1, phase: "PERSISTING", isSavepoint: false, queuedSavepoint: null });
    expect(c.latestCompleted()).toBeNull();
    expect(c.persisted(1, 20)).toEqual([{ kind: "notify-complete", checkpointId: 1 }]);
    expect(c.latestCompleted()).toMatchObject({ checkpointId: 1, completedAt: 20, totalSizeBytes: 6 });
    expect(c.inFlight()).toBeNull();
  });

  test("the timeout does not apply while persisting", () => {
    const c = running({ timeoutMs: 100 });
    c.triggerCheckpoint(0);
    ackAll(c, 1, 50);
    expect(c.tick(1_000)).toEqual([]);
    expect(c.nextDeadline()).toBeNull();
    expect(kinds(c.persisted(1, 1_001))).toEqual(["notify-complete:1"]);
  });

  test("persistFailed aborts, and the next checkpoint can run", () => {
    const c = running();
    c.triggerCheckpoint(0);
    ackAll(c, 1, 1);
    const [abort] = c.persistFailed(1, "STORAGE_WRITE_FAILED", "cannot write /x/chk-1/_metadata: ENOSPC", 2);
    expect(abort).toMatchObject({ kind: "abort", checkpointId: 1, wasTriggered: true, isSavepoint: false });
    const error = (abort as { error: CheckpointError }).error;
    expect(error.reason).toBe("STORAGE_WRITE_FAILED");
    expect(error.domain).toBe("external");
    expect(error.message).toBe("checkpoint 1: cannot write /x/chk-1/_metadata: ENOSPC");
    expect(c.latestCompleted()).toBeNull();
    expect(kinds(c.triggerCheckpoint(3))).toEqual(["trigger:2"]);
  });

  test("persisted/persistFailed for a checkpoint that is not persisting is an internal error", () => {
    const c = running();
    expect(() => c.persisted(1, 0)).toThrow(InternalError);
    c.triggerCheckpoint(0);
    expect(() => c.persisted(1, 0)).toThrow(/not being persisted \(checkpoint 1 is ACKING\)/);
    expect(() => c.persistFailed(1, "STORAGE_WRITE_FAILED", "x", 0)).toThrow(InternalError);
  });

  test("an ack with another task's handle is an internal error", () => {
    const c = running();
    c.triggerCheckpoint(0);
    expect(() => c.acknowledge(1, "src-0", handle("map-0"), 1)).toThrow(/task 'src-0' acknowledged with a state handle of task 'map-0'/);
  });
});

describe("timeout and decline", () => {
  test("timeout aborts with the tasks that did not acknowledge", () => {
    const c = running({ timeoutMs: 100 });
    c.triggerCheckpoint(0);
    c.acknowledge(1, "src-0", handle("src-0"), 10);
    expect(c.nextDeadline()).toBe(100);
    expect(c.tick(99)).toEqual([]);
    const [abort] = c.tick(100);
    const error = (abort as { error: CheckpointError }).error;
    expect(abort?.kind).toBe("abort");
    expect(error.reason).toBe("TIMEOUT");
    expect(error.preFlight).toBe(false);
    expect(error.checkpointId).toBe(1);
    expect(error.message).toBe("checkpoint 1 expired after 100 ms; 2 of 3 tasks did not acknowledge: map-0, sink-0");
    // acks arriving after the timeout are late
    expect(c.acknowledge(1, "map-0", handle("map-0"), 120)).toEqual([{ kind: "ignored", checkpointId: 1, taskId: "map-0", why: "LATE" }]);
  });

  test("decline aborts with the task's reason and message", () => {
    const c = running();
    c.triggerCheckpoint(0);
    const cause = new Error("disk busy");
    const [abort] = c.decline(1, "map-0", "TASK_DECLINED", "snapshot failed", 5, cause);
    const error = (abort as { error: CheckpointError }).error;
    expect(error.reason).toBe("TASK_DECLINED");
    expect(error.message).toBe("checkpoint 1 declined by task 'map-0': snapshot failed");
    expect(error.cause).toBe(cause);
    expect(c.inFlight()).toBeNull();
    expect(kinds(c.decline(1, "src-0", "TASK_DECLINED", "again", 6))).toEqual(["ignored"]);
  });

  test("a decline after all acks (persisting) is ignored as a duplicate", () => {
    const c = running();
    c.triggerCheckpoint(0);
    ackAll(c, 1, 1);
    expect(c.decline(1, "map-0", "TASK_DECLINED", "late", 2)).toEqual([{ kind: "ignored", checkpointId: 1, taskId: "map-0", why: "DUPLICATE" }]);
  });
});

describe("ignored acknowledgements", () => {
  test("unknown checkpoint, unknown task, duplicate, late", () => {
    const c = running();
    expect(c.acknowledge(7, "src-0", handle("src-0"), 0)).toEqual([{ kind: "ignored", checkpointId: 7, taskId: "src-0", why: "UNKNOWN_CHECKPOINT" }]);
    c.triggerCheckpoint(0);
    expect(c.acknowledge(1, "ghost", handle("ghost"), 1)).toEqual([{ kind: "ignored", checkpointId: 1, taskId: "ghost", why: "UNKNOWN_TASK" }]);
    expect(c.acknowledge(1, "src-0", handle("src-0"), 1)).toEqual([]);
    expect(c.acknowledge(1, "src-0", handle("src-0"), 2)).toEqual([{ kind: "ignored", checkpointId: 1, taskId: "src-0", why: "DUPLICATE" }]);
    expect(c.acknowledge(2, "src-0", handle("src-0"), 2)).toEqual([{ kind: "ignored", checkpointId: 2, taskId: "src-0", why: "UNKNOWN_CHECKPOINT" }]);
    c.acknowledge(1, "map-0", handle("map-0"), 3);
    c.acknowledge(1, "sink-0", handle("sink-0"), 3);
    expect(kinds(c.acknowledge(1, "sink-0", handle("sink-0"), 4))).toEqual(["ignored"]);
    c.persisted(1, 5);
    expect(c.acknowledge(1, "sink-0", handle("sink-0"), 6)).toEqual([{ kind: "ignored", checkpointId: 1, taskId: "sink-0", why: "LATE" }]);
    // the ignored ack did not change the completed checkpoint
    expect(c.stats().history[0]?.acknowledgedTasks).toBe(3);
  });
});

describe("retention", () => {
  test("keeps the newest `retained` checkpoints, discarding the oldest", () => {
    const c = running({ retained: 2 });
    const discards: number[] = [];
    for (let id = 1; id <= 4; id++) {
      c.triggerCheckpoint(id * 10);
      for (const a of complete(c, id, id * 10 + 1)) if (a.kind === "discard") discards.push(a.checkpointId);
    }
    expect(discards).toEqual([1, 2]);
    expect(c.latestCompleted()?.checkpointId).toBe(4);
  });

  test("existing checkpoints of a resumed job count towards retention; restoredFrom is the latest until replaced", () => {
    const old = (id: number): CompletedCheckpoint => ({ checkpointId: id, timestamp: id, completedAt: id, isSavepoint: false, savepointDir: null, thenStop: false, tasks: [], totalSizeBytes: 0 });
    const c = running({ retained: 2 }, { existing: [old(6), old(5), old(7)], restoredFrom: old(7) });
    expect(c.latestCompleted()?.checkpointId).toBe(7);
    expect(kinds(c.triggerCheckpoint(100))).toEqual(["trigger:8"]);
    expect(kinds(complete(c, 8, 101))).toEqual(["notify-complete:8", "discard:5", "discard:6"]);
    expect(c.latestCompleted()?.checkpointId).toBe(8);
  });

  test("savepoints are never discarded and do not count", () => {
    const c = running({ retained: 1 });
    c.triggerCheckpoint(0);
    complete(c, 1, 1);
    c.triggerSavepoint(2, { dir: "/sp/a", thenStop: false });
    expect(kinds(complete(c, 2, 3))).toEqual(["savepoint-complete"]);
    c.triggerCheckpoint(4);
    expect(kinds(complete(c, 3, 5))).toEqual(["notify-complete:3", "discard:1"]);
  });
});

describe("savepoints", () => {
  test("an intermediate savepoint completes without notifying tasks and is not a restore point", () => {
    const c = running({ intervalMs: 1_000 });
    const [trigger] = c.triggerSavepoint(10, { dir: "/sp/x", thenStop: false }) as CoordinatorAction[];
    expect(trigger).toEqual({ kind: "trigger", checkpointId: 1, timestamp: 10, isSavepoint: true, savepointDir: "/sp/x", thenStop: false });
    const [persist] = ackAll(c, 1, 20);
    expect(persist).toMatchObject({ kind: "persist", checkpoint: { isSavepoint: true, savepointDir: "/sp/x" } });
    expect(c.persisted(1, 30)).toEqual([{ kind: "savepoint-complete", checkpointId: 1, dir: "/sp/x", thenStop: false }]);
    expect(c.latestCompleted()).toBeNull();
    expect(c.currentState).toBe("RUNNING");
  });

  test("a savepoint requested during a checkpoint is queued with its id and triggered when that one ends", () => {
    const c = running({ intervalMs: 100 });
    c.tick(100);
    const queued = c.triggerSavepoint(110, { dir: "/sp/q", thenStop: false });
    expect(queued).toEqual([{ kind: "savepoint-queued", checkpointId: 2, behind: 1 }]);
    expect(c.inFlight()?.queuedSavepoint).toBe(2);
    const again = c.triggerSavepoint(111, { dir: "/sp/r", thenStop: false }) as CheckpointError;
    expect(again.reason).toBe("TOO_MANY_CONCURRENT");
    expect(again.message).toContain("savepoint 2 is queued");
    // no periodic trigger while the savepoint waits
    expect(c.tick(500)).toEqual([]);
    const done = complete(c, 1, 120);
    expect(kinds(done)).toEqual(["notify-complete:1", "trigger:2"]);
    expect(done[1]).toMatchObject({ isSavepoint: true, savepointDir: "/sp/q", timestamp: 120 });
    expect(kinds(complete(c, 2, 130))).toEqual(["savepoint-complete"]);
    expect(kinds(c.tick(230))).toEqual(["trigger:3"]);
  });

  test("a queued savepoint also starts when the checkpoint ahead fails", () => {
    const c = running({ timeoutMs: 50 });
    c.triggerCheckpoint(0);
    c.triggerSavepoint(1, { dir: "/sp", thenStop: false });
    expect(kinds(c.tick(50))).toEqual(["abort:1", "trigger:2"]);
  });

  test("stop-with-savepoint ends periodic checkpoints, notifies, and finishes", () => {
    const c = running({ intervalMs: 100 });
    c.triggerSavepoint(10, { dir: "/sp/stop", thenStop: true });
    expect(c.currentState).toBe("STOPPING");
    expect(c.tick(1_000)).toEqual([]);
    const refused = c.triggerSavepoint(11, { dir: "/sp/other", thenStop: false }) as CheckpointError;
    expect(refused.reason).toBe("JOB_FINISHING");
    expect((c.triggerCheckpoint(12) as CheckpointError).reason).toBe("JOB_FINISHING");
    expect(kinds(complete(c, 1, 20))).toEqual(["notify-complete:1", "savepoint-complete"]);
    expect(c.currentState).toBe("FINISHED");
    expect(c.latestCompleted()?.checkpointId).toBe(1);
    expect(c.tick(10_000)).toEqual([]);
  });

  test("a failed stop-with-savepoint lets the job and its periodic checkpoints go on", () => {
    const c = running({ intervalMs: 100 });
    c.triggerSavepoint(10, { dir: "/sp/stop", thenStop: true });
    expect(kinds(c.decline(1, "sink-0", "TASK_DECLINED", "sink not ready", 15))).toEqual(["abort:1"]);
    expect(c.currentState).toBe("RUNNING");
    expect(kinds(c.tick(110))).toEqual(["trigger:2"]);
  });
});

describe("suspend, start, shutdown", () => {
  test("suspend aborts an acking checkpoint and drops a queued savepoint; start resumes scheduling", () => {
    const c = running({ intervalMs: 100 });
    c.tick(100);
    c.triggerSavepoint(101, { dir: "/sp", thenStop: false });
    const actions = c.suspend(150, "TASK_FAILED", "task map-0 failed");
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatchObject({ kind: "abort", checkpointId: 1, wasTriggered: true });
    expect(actions[1]).toMatchObject({ kind: "abort", checkpointId: 2, wasTriggered: false, isSavepoint: true });
    expect((actions[1] as { error: CheckpointError }).error.message).toBe("savepoint 2 was dropped before it started: task map-0 failed");
    expect(c.tick(1_000)).toEqual([]);
    expect((c.triggerSavepoint(1_000, { dir: "/sp", thenStop: false }) as CheckpointError).reason).toBe("NOT_ALL_TASKS_RUNNING");
    c.start(2_000);
    expect(c.tick(2_099)).toEqual([]);
    expect(kinds(c.tick(2_100))).toEqual(["trigger:3"]);
  });

  test("a persisting checkpoint survives suspend and completes afterwards", () => {
    const c = running();
    c.triggerCheckpoint(0);
    ackAll(c, 1, 1);
    expect(c.suspend(2)).toEqual([]);
    expect(c.inFlight()?.phase).toBe("PERSISTING");
    expect(kinds(c.persisted(1, 3))).toEqual(["notify-complete:1"]);
    expect(c.latestCompleted()?.checkpointId).toBe(1);
  });

  test("shutdown aborts and refuses everything after", () => {
    const c = running();
    c.triggerCheckpoint(0);
    const [abort] = c.shutdown(5);
    expect((abort as { error: CheckpointError }).error.reason).toBe("COORDINATOR_SHUT_DOWN");
    expect(c.shutdown(6)).toEqual([]);
    expect((c.triggerCheckpoint(7) as CheckpointError).reason).toBe("COORDINATOR_SHUT_DOWN");
    expect(() => c.start(8)).toThrow(/cannot go from SHUT_DOWN to RUNNING/);
  });

  test("start twice is an illegal transition", () => {
    const c = running();
    expect(() => c.start(1)).toThrow(InternalError);
  });
});

describe("stats", () => {
  test("per checkpoint status, sizes, durations and counts, newest first", () => {
    const c = running({ timeoutMs: 100 });
    c.triggerCheckpoint(0);
    c.acknowledge(1, "src-0", handle("src-0", 5), 4);
    c.acknowledge(1, "map-0", handle("map-0", 7), 6);
    let s = c.stats(8);
    expect(s.counts).toEqual({ triggered: 1, inProgress: 1, completed: 0, failed: 0 });
    expect(s.history[0]).toMatchObject({ checkpointId: 1, status: "IN_PROGRESS", durationMs: 8, endedAt: null, acknowledgedTasks: 2, totalTasks: 3, totalSizeBytes: 12, latestAckAt: 6 });
    c.acknowledge(1, "sink-0", handle("sink-0", 1), 9);
    c.persisted(1, 10);
    c.triggerCheckpoint(20);
    c.tick(120);
    c.triggerSavepoint(130, { dir: "/sp", thenStop: false });
    s = c.stats();
    expect(s.counts).toEqual({ triggered: 3, inProgress: 1, completed: 1, failed: 1 });
    expect(s.history.map((h) => [h.checkpointId, h.status, h.isSavepoint])).toEqual([
      [3, "IN_PROGRESS", true],
      [2, "FAILED", false],
      [1, "COMPLETED", false],
    ]);
    expect(s.history[2]).toMatchObject({ durationMs: 10, totalSizeBytes: 13, taskSizes: { "src-0": 5, "map-0": 7, "sink-0": 1 }, failureReason: null });
    expect(s.history[1]).toMatchObject({ failureReason: "TIMEOUT", durationMs: 100 });
    expect(s.history[0]?.durationMs).toBeNull();
    expect(s.latestCompleted?.checkpointId).toBe(1);
    expect(s.latestFailed?.checkpointId).toBe(2);
  });

  test("history keeps the last historySize checkpoints", () => {
    const c = running({}, { historySize: 2 });
    for (let id = 1; id <= 4; id++) {
      c.triggerCheckpoint(id);
      complete(c, id, id);
    }
    const s = c.stats();
    expect(s.history.map((h) => h.checkpointId)).toEqual([4, 3]);
    expect(s.counts.completed).toBe(4);
  });
});
