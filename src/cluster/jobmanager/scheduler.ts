/**
 * @module cluster/jobmanager/scheduler
 * Slot assignment for one job attempt: pure functions from a JobGraph and the workers' free slots to a
 * placement of every task. No I/O; the JobMaster reserves what it returns.
 *
 * Slot sharing (as in Flink's SlotSharingGroup). A job gets `max(parallelism over vertices)` shared
 * slots; shared slot i hosts subtask i of EVERY vertex that has a subtask i:
 *
 *   vertices:  source (p=4) ──forward──► map (p=4) ──hash──► sink (p=2)
 *   slot 0:    source#0, map#0, sink#0
 *   slot 1:    source#1, map#1, sink#1
 *   slot 2:    source#2, map#2
 *   slot 3:    source#3, map#3
 *
 * Why this gives locality: a forward edge (left unchained, e.g. because chaining is off or the target has
 * two inputs) connects producer subtask i to consumer subtask i only, and both sit in slot i, so the
 * channel is an in-thread LocalChannel: no serialisation across threads, no network. On all-to-all edges
 * (hash, rebalance, broadcast) the pair in the same slot is local too, and the rest is spread evenly.
 * Each slot also runs one whole slice of the pipeline, so a job needs as many slots as its widest
 * vertex, not the sum of all parallelisms, and slots carry balanced work.
 *
 * Spreading. Shared slots go round-robin over the workers, ordered by most free slots first (ties by
 * worker id, so the result is deterministic); a worker whose free slots run out drops out of the turn.
 * With p shared slots over n workers every worker gets about p/n of them (a job uses every worker when
 * p >= n), which spreads CPU and limits what one lost worker takes down. `preferWorkers` moves the named
 * workers to the front of that order (keeping their relative order by free slots), e.g. the workers an
 * earlier attempt ran on: when the job needs fewer slots than there are workers, it lands on them.
 * Within a worker, the lowest free slot indices are used first.
 */
import type { JobGraph } from "../../plan/index.ts";
import { taskIdOf } from "../deployment.ts";

/**
 * Stable task id of a subtask, `${vertexId}#${subtask}` (the same as runtime/local's taskIdOf).
 * Re-exported from cluster/deployment so the cluster has one binding of it.
 */
export { taskIdOf };

/** The free slot indices of one worker. */
export interface FreeSlots {
  workerId: string;
  /** Free slot indices on that worker. */
  slots: readonly number[];
}

/** One slot of one worker. */
export interface SlotAssignment {
  workerId: string;
  slot: number;
}

export type ScheduleResult =
  | {
      ok: true;
      /** Index = shared slot i (which hosts subtask i of every vertex). */
      sharedSlots: SlotAssignment[];
      /** taskId (`${vertexId}#${subtask}`) -> where it runs. */
      placement: Map<string, SlotAssignment>;
    }
  | { ok: false; required: number; available: number };

export interface ScheduleOptions {
  /** Workers to use first (e.g. those of the previous attempt, for local state); see the module comment. */
  preferWorkers?: readonly string[];
}

/** Shared slots a job needs: the largest parallelism of its vertices (0 for an empty graph). */
export function slotsRequired(graph: JobGraph): number {
  return graph.vertices.reduce((max, v) => Math.max(max, v.parallelism), 0);
}

/** Sorted, de-duplicated free slot indices per worker; duplicate worker entries are merged. */
function normalise(free: readonly FreeSlots[]): Map<string, number[]> {
  const byWorker = new Map<string, Set<number>>();
  for (const f of free) {
    let set = byWorker.get(f.workerId);
    if (set === undefined) byWorker.set(f.workerId, (set = new Set()));
    for (const s of f.slots) {
      if (!Number.isInteger(s) || s < 0) throw new RangeError(`worker ${f.workerId}: slot index must be a non-negative integer, got ${s}`);
      set.add(s);
    }
  }
  const out = new Map<string, number[]>();
  for (const [id, set] of byWorker) if (set.size > 0) out.set(id, [...set].sort((a, b) => a - b));
  return out;
}

/** Worker turn order: preferred first, then by most free slots, ties by worker id. */
function turnOrder(free: ReadonlyMap<string, readonly number[]>, prefer: ReadonlySet<string>): string[] {
  return [...free.keys()].sort((a, b) => {
    const pa = prefer.has(a) ? 0 : 1;
    const pb = prefer.has(b) ? 0 : 1;
    if (pa !== pb) return pa - pb;
    const byFree = free.get(b)!.length - free.get(a)!.length;
    if (byFree !== 0) return byFree;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * Place every task of `graph` into shared slots taken from `free`. Deterministic: the same inputs
 * (in any order of `free`) give the same result. Returns `ok: false` with the counts when the free
 * slots do not cover `slotsRequired(graph)`.
 */
export function scheduleJob(graph: JobGraph, free: readonly FreeSlots[], options: ScheduleOptions = {}): ScheduleResult {
  const required = slotsRequired(graph);
  const pool = normalise(free);
  const available = [...pool.values()].reduce((n, slots) => n + slots.length, 0);
  if (available < required) return { ok: false, required, available };

  const order = turnOrder(pool, new Set(options.preferWorkers ?? []));
  const next = new Map(order.map((id) => [id, 0])); // index into the worker's free list
  const sharedSlots: SlotAssignment[] = [];
  let turn = 0;
  while (sharedSlots.length < required) {
    const workerId = order[turn % order.length]!;
    turn++;
    const slots = pool.get(workerId)!;
    const i = next.get(workerId)!;
    if (i >= slots.length) continue; // this worker is full; available >= required guarantees progress
    next.set(workerId, i + 1);
    sharedSlots.push({ workerId, slot: slots[i]! });
  }

  const placement = new Map<string, SlotAssignment>();
  for (const v of graph.vertices) {
    for (let s = 0; s < v.parallelism; s++) placement.set(taskIdOf(v.id, s), { ...sharedSlots[s]! });
  }
  return { ok: true, sharedSlots, placement };
}
