/**
 * @module cli/sql-runner
 * Runs the planned statements of a `bicycle sql` script in order: a job on an embedded MiniCluster
 * (plan JSON only, no bundle; a bare SELECT's header printed first) or on a JobManager, an EXPLAIN's
 * text on stdout, and a one-line note on stderr for DDL and SET.
 */
import { asJobRef, connectJobManager, MiniCluster, slotsRequired, type JobManagerGateway, type JobManagerClient } from "../cluster/index.ts";
import { log } from "../core/index.ts";
import { buildJobGraph } from "../plan/index.ts";
import type { SqlStatementResult } from "../sql/index.ts";
import { formatCsvHeader, formatTableHeader, writeWholeRecords, type StdoutColumn, type StdoutFormat } from "../index.ts";
import { followJob, jobTotals } from "./commands/submit.ts";
import { JobFailedError } from "./job-failed-error.ts";
import { slotThreadEntry } from "./slot-entry.ts";

export type SqlJob = Extract<SqlStatementResult, { kind: "job" }>;

/** How the jobs of a script run. */
export interface SqlRunSettings {
  readonly format: StdoutFormat;
  /** Default parallelism of the submissions (the plan's nodes carry their own). */
  readonly parallelism: number;
  /** `--checkpoint-interval`; a script's SET 'execution.checkpointing.interval' (a job's nonzero interval) wins. */
  readonly checkpointIntervalMs: number | undefined;
  /** Run on this JobManager (`host:port`) instead of an embedded cluster. */
  readonly jobManager?: string;
  /** Lines for stdout (tests replace it); default: whole-line synchronous writes to fd 1. */
  readonly stdout?: (text: string) => void;
  /**
   * A MiniCluster started while the script was being parsed and planned (the slot threads boot on the
   * other core meanwhile, ~100 ms off the time to the first row). The first job that fits its slots
   * runs on it; runSqlResults stops it in the end either way.
   */
  readonly warmCluster?: WarmCluster;
}

export interface WarmCluster {
  readonly cluster: Promise<MiniCluster>;
  readonly slots: number;
}

/** Start a MiniCluster of `slots` slot threads ahead of planning; its failure surfaces where it is used. */
export function startWarmCluster(slots: number): WarmCluster {
  const cluster = MiniCluster.start({ slotsPerWorker: slots, slotEntry: slotThreadEntry() });
  cluster.catch(() => {}); // reported when awaited
  return { cluster, slots };
}

async function stopWarm(warm: { current: WarmCluster | undefined }): Promise<void> {
  const w = warm.current;
  warm.current = undefined;
  if (w !== undefined) await (await w.cluster.catch(() => null))?.stop();
}

const writeStdout = (text: string): void => writeWholeRecords([text]);

/**
 * Whether the job prints rows on stdout: a bare SELECT (`printsToStdout`), or an INSERT INTO a
 * `print` / `stdout` table, which gets a header too (rows in a table without one would be unreadable).
 */
export const printsRows = (job: SqlJob): boolean => job.printsToStdout || job.plan.nodes.some((n) => n.kind === "sink:stdout");

/**
 * What the job's stdout sink prints: its node's config (a print table's own 'format' and columns for
 * INSERT INTO), else the job's result columns in `--format`.
 */
export function stdoutSinkOf(job: SqlJob, fallback: StdoutFormat): { format: StdoutFormat; columns: readonly StdoutColumn[]; updating: boolean } {
  const config = job.plan.nodes.find((n) => n.kind === "sink:stdout")?.config ?? {};
  const format = config.format === "table" || config.format === "json" || config.format === "csv" ? config.format : fallback;
  const columns = Array.isArray(config.columns) ? (config.columns as unknown as StdoutColumn[]) : job.columns;
  return { format, columns, updating: typeof config.updating === "boolean" ? config.updating : job.updating };
}

/** The lines printed before a job's rows: the table header, the CSV header, nothing for JSON. */
export function headerFor(sink: { format: StdoutFormat; columns: readonly StdoutColumn[]; updating: boolean }): string {
  if (sink.format === "table") return formatTableHeader(sink.columns, sink.updating);
  if (sink.format === "csv") return formatCsvHeader(sink.columns, sink.updating);
  return "";
}

function submission(job: SqlJob, settings: SqlRunSettings) {
  const checkpointInterval = job.checkpointIntervalMs > 0 ? job.checkpointIntervalMs : (settings.checkpointIntervalMs ?? 0);
  return {
    name: job.name,
    parallelism: settings.parallelism,
    planJson: JSON.stringify(job.plan),
    optionsJson: JSON.stringify({ parallelism: settings.parallelism, checkpointInterval }),
  };
}

/** Run `job` on an embedded MiniCluster with one slot thread per subtask; rejects if it does not finish. */
async function runLocally(job: SqlJob, settings: SqlRunSettings, out: (text: string) => void, warm: { current: WarmCluster | undefined }): Promise<void> {
  const graph = buildJobGraph(job.plan, { chaining: true });
  const needed = slotsRequired(graph);
  let cluster: MiniCluster;
  if (warm.current !== undefined && warm.current.slots >= needed) {
    cluster = await warm.current.cluster;
    warm.current = undefined; // this job owns it now and stops it below
  } else {
    await stopWarm(warm);
    cluster = await MiniCluster.start({ slotsPerWorker: needed, slotEntry: slotThreadEntry() });
  }
  try {
    const sink = stdoutSinkOf(job, settings.format);
    const prints = printsRows(job);
    const header = prints ? headerFor(sink) : "";
    if (header.length > 0) out(header);
    const { jobId } = await cluster.gateway.submitJob(submission(job, settings));
    await cluster.jobManager.jobMaster(jobId)!.terminated;
    const details = await cluster.gateway.getJob(asJobRef(jobId));
    if (details.summary.status !== "finished") throw new JobFailedError(job.name, jobId, details.summary.status, details.failure);
    if (prints && sink.format === "table") {
      // Flink's SQL client closes the table and counts the rows.
      out(`${header.slice(0, header.indexOf("\n") + 1)}Received a total of ${jobTotals(details).recordsOut} rows\n`);
    }
  } finally {
    await cluster.stop();
  }
}

/** Submit `job` to the JobManager, print its id, follow it to the end (as `bicycle submit` does). */
async function runOnCluster(job: SqlJob, settings: SqlRunSettings, gateway: JobManagerGateway, out: (text: string) => void): Promise<void> {
  const { jobId } = await gateway.submitJob(submission(job, settings));
  out(`${jobId}\n`);
  if (printsRows(job)) log.info(`job ${job.name} (${jobId}): its rows are printed on the stdout of the workers running its sink, not here`);
  log.info(`following job ${job.name} (${jobId}); Ctrl-C stops following, not the job`);
  const details = await followJob(gateway, jobId);
  if (details.summary.status !== "finished") throw new JobFailedError(job.name, jobId, details.summary.status, details.failure);
}

/** Run every statement result in order; the first failure rejects (later statements do not run). */
export async function runSqlResults(results: readonly SqlStatementResult[], settings: SqlRunSettings): Promise<void> {
  const out = settings.stdout ?? writeStdout;
  const warm = { current: settings.warmCluster };
  let client: JobManagerClient | undefined;
  try {
    for (const result of results) {
      switch (result.kind) {
        case "explain":
          out(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
          break;
        case "ddl":
          log.info(result.message);
          break;
        case "set":
          log.info(`set '${result.key}' = '${result.value}'`);
          break;
        case "job":
          if (settings.jobManager === undefined) await runLocally(result, settings, out, warm);
          else await runOnCluster(result, settings, (client ??= connectJobManager(settings.jobManager)), out);
          break;
      }
    }
  } finally {
    client?.close();
    await stopWarm(warm);
  }
}
