/**
 * @module cluster/job-totals
 * What a client shows of a cluster job, from its GetJob details: records into and out of it (what its
 * source tasks read, what its sink tasks wrote) and its one-line row. Shared by the CLI client commands
 * and the REST API, so both report the same totals.
 */
import { buildJobGraph, parsePlan } from "../plan/index.ts";
import { asJobRef, type ClusterOverview, type JobDetails, type JobManagerGateway, type JobSummary } from "./client.ts";

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

/** One job's row as `bicycle jobs` and `GET /api/jobs` list it. */
export interface JobRow {
  readonly jobId: string;
  readonly name: string;
  readonly status: JobSummary["status"];
  readonly parallelism: number;
  readonly tasks: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly durationMs: number;
  readonly restarts: number;
}

/** A job's summary, task count and records in/out (its sources' in, its sinks' out). */
export function jobRow(job: JobDetails, now = Date.now()): JobRow {
  const s = job.summary;
  const { recordsIn, recordsOut } = jobTotals(job);
  const end = s.endTimeMs > 0 ? s.endTimeMs : now;
  return {
    jobId: s.jobId,
    name: s.name,
    status: s.status,
    parallelism: s.parallelism,
    tasks: job.tasks.length,
    recordsIn,
    recordsOut,
    startTimeMs: s.startTimeMs,
    endTimeMs: s.endTimeMs,
    durationMs: s.startTimeMs > 0 ? Math.max(0, end - s.startTimeMs) : 0,
    restarts: s.restarts,
  };
}

/** Job states a job does not leave. */
export const TERMINAL_STATES: ReadonlySet<string> = new Set(["finished", "failed", "cancelled"]);

/**
 * The counters `bicycle metrics --json` prints and `GET /api/metrics` returns: per job its totals and
 * per task records and bytes in/out with the backpressure ratio (at most 1), and per worker its slots,
 * CPU and memory.
 */
export function metricsSnapshot(jobs: readonly JobDetails[], workers: ClusterOverview["workers"]) {
  return {
    jobs: jobs.map((job) => ({
      jobId: job.summary.jobId,
      name: job.summary.name,
      status: job.summary.status,
      ...jobTotals(job),
      tasks: job.tasks.map((t) => ({
        taskId: t.taskId,
        workerId: t.workerId,
        state: t.state,
        recordsIn: t.recordsIn,
        recordsOut: t.recordsOut,
        bytesIn: t.bytesIn,
        bytesOut: t.bytesOut,
        backpressureRatio: Math.min(1, t.backpressureRatio),
      })),
    })),
    workers: workers.map((w) => ({ workerId: w.workerId, status: w.status, slots: w.slots, freeSlots: w.freeSlots, cpuPercent: w.cpuPercent, rssBytes: w.rssBytes })),
  };
}

/**
 * The details of every job not yet ended, of `summaries` when the caller listed them already (a job
 * that vanishes between the calls is skipped).
 */
export async function liveJobDetails(gateway: JobManagerGateway, summaries?: readonly JobSummary[]): Promise<JobDetails[]> {
  const jobs = summaries ?? (await gateway.listJobs()).jobs;
  const details = await Promise.all(jobs.filter((j) => !TERMINAL_STATES.has(j.status)).map((j) => gateway.getJob(asJobRef(j.jobId)).catch(() => null)));
  return details.filter((d): d is JobDetails => d !== null);
}
