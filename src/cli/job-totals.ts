/**
 * @module cli/job-totals
 * Records into and out of a cluster job, from its GetJob details: what its source tasks read and what
 * its sink tasks wrote (shared by `submit`'s follow lines, `jobs`, `job` and `metrics`).
 */
import type { JobDetails } from "../cluster/index.ts";
import { buildJobGraph, parsePlan } from "../plan/index.ts";

/** Vertex id of a task id `vertex#subtask`. */
export const vertexOfTask = (taskId: string): string => taskId.slice(0, taskId.lastIndexOf("#"));

/**
 * Records into and out of the job: what its source tasks read, and what its sink tasks wrote (a task
 * counts records it sends on or writes out as its records out).
 */
export function jobTotals(job: JobDetails): { recordsIn: number; recordsOut: number } {
  let sources = new Set<string>();
  let sinks = new Set<string>();
  try {
    const graph = buildJobGraph(parsePlan(JSON.parse(job.planJson)));
    sources = new Set(graph.vertices.filter((v) => graph.nodes.get(v.headId)?.kind.startsWith("source:")).map((v) => v.id));
    sinks = new Set(graph.vertices.filter((v) => v.nodeIds.some((n) => graph.nodes.get(n)?.kind.startsWith("sink:"))).map((v) => v.id));
  } catch {
    // No plan to read: totals stay 0.
  }
  let recordsIn = 0;
  let recordsOut = 0;
  for (const t of job.tasks) {
    const vertex = vertexOfTask(t.taskId);
    if (sources.has(vertex)) recordsIn += t.recordsIn;
    if (sinks.has(vertex)) recordsOut += t.recordsOut;
  }
  return { recordsIn, recordsOut };
}
