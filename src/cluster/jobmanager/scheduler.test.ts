/** Slot sharing and spreading: slot counts, locality of subtask i, shortfalls, mixed parallelism, determinism. */
import { describe, expect, test } from "bun:test";
import { buildJobGraph, type JobGraph, type LogicalPlan, type PlanNode } from "../../plan/index.ts";
import { taskIdOf as deploymentTaskIdOf } from "../deployment.ts";
import { scheduleJob, slotsRequired, taskIdOf, type FreeSlots, type ScheduleResult } from "./scheduler.ts";

const node = (id: string, parallelism: number, keyed = false): PlanNode => ({
  id,
  kind: "map",
  name: id,
  parallelism,
  config: {},
  ...(keyed ? { key: { type: "udf" as const } } : {}),
});

/** source -> map (forward) -> sink (rebalance), all at parallelism p; chaining off so there are 3 vertices. */
function pipeline(p: number): JobGraph {
  const plan: LogicalPlan = {
    name: "pipeline",
    maxParallelism: 128,
    nodes: [node("source", p), node("map", p), node("sink", p)],
    edges: [
      { source: "source", target: "map", partitioning: "forward" },
      { source: "map", target: "sink", partitioning: "rebalance" },
    ],
  };
  return buildJobGraph(plan, { chaining: false });
}

/** source(4) -> agg(2, keyed, hash) -> sink(1): vertices of different parallelism. */
function mixed(): JobGraph {
  const plan: LogicalPlan = {
    name: "mixed",
    maxParallelism: 128,
    nodes: [node("source", 4), node("agg", 2, true), node("sink", 1)],
    edges: [
      { source: "source", target: "agg", partitioning: "hash" },
      { source: "agg", target: "sink", partitioning: "rebalance" },
    ],
  };
  return buildJobGraph(plan);
}

function ok(result: ScheduleResult) {
  if (!result.ok) throw new Error(`expected a schedule, got a shortfall: ${JSON.stringify(result)}`);
  return result;
}

describe("scheduler", () => {
  test("taskIdOf is the deployment's (and runtime/local's) `${vertexId}#${subtask}`", () => {
    expect(taskIdOf("map", 3)).toBe("map#3");
    expect(taskIdOf).toBe(deploymentTaskIdOf);
  });

  test("slotsRequired is the largest vertex parallelism", () => {
    expect(slotsRequired(pipeline(4))).toBe(4);
    expect(slotsRequired(mixed())).toBe(4);
  });

  test("p=4 over two workers with 2 free slots each: 2 shared slots per worker, subtask i of every vertex in slot i", () => {
    const graph = pipeline(4);
    expect(graph.vertices.length).toBe(3);
    const free: FreeSlots[] = [
      { workerId: "w1", slots: [0, 1] },
      { workerId: "w2", slots: [0, 1] },
    ];
    const r = ok(scheduleJob(graph, free));
    expect(r.sharedSlots).toEqual([
      { workerId: "w1", slot: 0 },
      { workerId: "w2", slot: 0 },
      { workerId: "w1", slot: 1 },
      { workerId: "w2", slot: 1 },
    ]);
    expect(r.placement.size).toBe(12);
    for (let i = 0; i < 4; i++) {
      for (const v of graph.vertices) expect(r.placement.get(taskIdOf(v.id, i))).toEqual(r.sharedSlots[i]!);
    }
    const perWorker = (id: string) => r.sharedSlots.filter((s) => s.workerId === id).length;
    expect([perWorker("w1"), perWorker("w2")]).toEqual([2, 2]);
  });

  test("not enough free slots: ok false with required and available counts", () => {
    expect(scheduleJob(pipeline(4), [{ workerId: "w1", slots: [0, 1] }, { workerId: "w2", slots: [3] }])).toEqual({ ok: false, required: 4, available: 3 });
    expect(scheduleJob(pipeline(2), [])).toEqual({ ok: false, required: 2, available: 0 });
    // Duplicate indices count once.
    expect(scheduleJob(pipeline(3), [{ workerId: "w1", slots: [1, 1, 1] }])).toEqual({ ok: false, required: 3, available: 1 });
  });

  test("vertices of different parallelism share the first slots", () => {
    const graph = mixed();
    const r = ok(scheduleJob(graph, [{ workerId: "a", slots: [0, 1, 2, 3] }, { workerId: "b", slots: [0, 1, 2, 3] }]));
    expect(r.sharedSlots.length).toBe(4);
    expect(r.placement.size).toBe(4 + 2 + 1);
    expect(r.placement.get("agg#1")).toEqual(r.sharedSlots[1]!);
    expect(r.placement.get("sink#0")).toEqual(r.sharedSlots[0]!);
    expect(r.placement.get("source#0")).toEqual(r.sharedSlots[0]!);
    expect(r.placement.has("agg#2")).toBe(false);
    expect(r.placement.has("sink#1")).toBe(false);
  });

  test("spreads round-robin over workers by most free slots (ties by id), skipping full workers", () => {
    const free: FreeSlots[] = [
      { workerId: "small", slots: [5] },
      { workerId: "big", slots: [2, 0, 1] },
      { workerId: "mid-b", slots: [0, 1] },
      { workerId: "mid-a", slots: [3, 4] },
    ];
    const r = ok(scheduleJob(pipeline(7), free));
    expect(r.sharedSlots).toEqual([
      { workerId: "big", slot: 0 },
      { workerId: "mid-a", slot: 3 },
      { workerId: "mid-b", slot: 0 },
      { workerId: "small", slot: 5 },
      { workerId: "big", slot: 1 },
      { workerId: "mid-a", slot: 4 },
      { workerId: "mid-b", slot: 1 },
    ]);
    // Fewer slots than workers: one slot each on the workers with the most room.
    expect(ok(scheduleJob(pipeline(2), free)).sharedSlots.map((s) => s.workerId)).toEqual(["big", "mid-a"]);
  });

  test("preferWorkers go first in the turn order", () => {
    const free: FreeSlots[] = [
      { workerId: "w1", slots: [0, 1, 2] },
      { workerId: "w2", slots: [0] },
      { workerId: "w3", slots: [0, 1] },
    ];
    expect(ok(scheduleJob(pipeline(2), free, { preferWorkers: ["w3", "w2"] })).sharedSlots).toEqual([
      { workerId: "w3", slot: 0 },
      { workerId: "w2", slot: 0 },
    ]);
    // Still spreads over everyone when the job needs more.
    expect(ok(scheduleJob(pipeline(4), free, { preferWorkers: ["w2"] })).sharedSlots.map((s) => s.workerId)).toEqual(["w2", "w1", "w3", "w1"]);
  });

  test("deterministic: the same inputs in any order give the same schedule", () => {
    const free: FreeSlots[] = [
      { workerId: "c", slots: [1, 0] },
      { workerId: "a", slots: [0, 1] },
      { workerId: "b", slots: [0, 1] },
    ];
    const first = ok(scheduleJob(pipeline(5), free));
    const again = ok(scheduleJob(pipeline(5), [...free].reverse()));
    expect(again.sharedSlots).toEqual(first.sharedSlots);
    expect([...again.placement]).toEqual([...first.placement]);
    expect(first.sharedSlots.map((s) => s.workerId)).toEqual(["a", "b", "c", "a", "b"]);
  });

  test("placement entries are independent copies", () => {
    const r = ok(scheduleJob(pipeline(1), [{ workerId: "w", slots: [0] }]));
    r.placement.get("map#0")!.slot = 7;
    expect(r.sharedSlots[0]!.slot).toBe(0);
    expect(r.placement.get("source#0")!.slot).toBe(0);
  });

  test("rejects invalid slot indices", () => {
    expect(() => scheduleJob(pipeline(1), [{ workerId: "w", slots: [-1] }])).toThrow(RangeError);
  });
});
