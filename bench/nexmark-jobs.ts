/**
 * The Nexmark SQL jobs both Nexmark benchmarks run (bench/nexmark.ts in process, bench/vs-flink's
 * Bicycle runner in its own process): examples/nexmark/qN.sql planned with `planSqlScript` over N
 * events of the nexmark.* tables, the printing sink swapped for a blackhole, and one run on a fresh
 * embedded MiniCluster with one slot thread per subtask, timed from submitJob to the job's end.
 */
import { asJobRef, MiniCluster, slotsRequired } from "../src/cluster/index.ts";
import { buildJobGraph, type LogicalPlan } from "../src/plan/index.ts";
import { planSqlScript, type SqlStatementResult } from "../src/sql/index.ts";
import { slotThreadEntry } from "../src/cli/slot-entry.ts";

export const NEXMARK_QUERIES = ["q0", "q1", "q2", "q5", "q7", "q8", "q11"] as const;

export type SqlJob = Extract<SqlStatementResult, { kind: "job" }>;

/** Plans one query text (one job) at `parallelism` over `events` events. */
export function planNexmarkJob(text: string, parallelism: number, events: number): SqlJob {
  const jobs = planSqlScript(text, { parallelism, nexmark: { events }, output: { format: "json" } }).filter((r): r is SqlJob => r.kind === "job");
  if (jobs.length !== 1) throw new Error(`expected one job, planned ${jobs.length}`);
  return jobs[0]!;
}

/** The plan with its stdout sink(s) swapped for a blackhole (same id, edges and parallelism). */
export function withDiscardSink(plan: LogicalPlan): LogicalPlan {
  let swapped = 0;
  const nodes = plan.nodes.map((n) => {
    if (n.kind !== "sink:stdout") return n;
    swapped++;
    return { ...n, kind: "sink:discard", name: "Blackhole", config: {} };
  });
  if (swapped === 0) throw new Error("the plan has no sink:stdout node to replace");
  return { ...plan, nodes };
}

/** Job options beyond parallelism (the API's option keys: checkpointInterval, stateBackend, ...). */
export type RunOptions = Readonly<Record<string, unknown>> & { readonly checkpointInterval?: number };

/**
 * Runs the job with a blackhole sink on a fresh MiniCluster; resolves to the wall ms from submitJob
 * until the job ended (cluster start and stop excluded). `onSubmit` runs just before submitJob.
 */
export async function runNexmarkJob(job: SqlJob, parallelism: number, options: RunOptions = {}, onSubmit?: () => void): Promise<number> {
  const plan = withDiscardSink(job.plan);
  const graph = buildJobGraph(plan, { chaining: true });
  const cluster = await MiniCluster.start({ slotsPerWorker: slotsRequired(graph), slotEntry: slotThreadEntry() });
  try {
    onSubmit?.();
    const started = performance.now();
    const { jobId } = await cluster.gateway.submitJob({
      name: job.name,
      parallelism,
      planJson: JSON.stringify(plan),
      optionsJson: JSON.stringify({ checkpointInterval: 0, ...options, parallelism }),
    });
    await cluster.jobManager.jobMaster(jobId)!.terminated;
    const ms = performance.now() - started;
    const details = await cluster.gateway.getJob(asJobRef(jobId));
    if (details.summary.status !== "finished") throw new Error(`job ${job.name} (${jobId}) ${details.summary.status}${details.failure === undefined ? "" : `: ${details.failure}`}`);
    return ms;
  } finally {
    await cluster.stop();
  }
}
