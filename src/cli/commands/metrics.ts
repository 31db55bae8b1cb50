/**
 * @module cli/commands/metrics
 * `bicycle metrics [ID]`: the counters of one job, or of every job still running: per job records in/out
 * and per task records and bytes in/out with backpressure, plus each worker's CPU and memory; `--json`
 * prints the same data.
 */
import type { Command } from "commander";
import { asJobRef, type JobDetails } from "../../cluster/index.ts";
import { addClientFlags, fetchJob, printJson, TERMINAL_STATES, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { jobTotals } from "../job-totals.ts";
import { formatBytes, formatCount, formatRatio, renderTable } from "../table.ts";

/** One job's counters as `metrics --json` prints them. */
function jobMetrics(job: JobDetails) {
  const { recordsIn, recordsOut } = jobTotals(job);
  return {
    jobId: job.summary.jobId,
    name: job.summary.name,
    status: job.summary.status,
    recordsIn,
    recordsOut,
    tasks: job.tasks.map((t) => ({ taskId: t.taskId, workerId: t.workerId, state: t.state, recordsIn: t.recordsIn, recordsOut: t.recordsOut, bytesIn: t.bytesIn, bytesOut: t.bytesOut, backpressureRatio: t.backpressureRatio })),
  };
}

export function registerMetrics(program: Command): void {
  addClientFlags(program.command("metrics").description("show job, task and worker counters").argument("[id]", "one job (id or unique prefix); default: every job not yet ended")).action(async (id: string | undefined, flags: ClientFlags) => {
    await withJobManager(flags, async (client) => {
      let jobs: JobDetails[];
      if (id !== undefined) jobs = [await fetchJob(client, id)];
      else {
        const { jobs: summaries } = await client.listJobs();
        jobs = await Promise.all(summaries.filter((j) => !TERMINAL_STATES.has(j.status)).map((j) => client.getJob(asJobRef(j.jobId))));
      }
      const { workers } = await client.clusterOverview();
      const result = {
        jobs: jobs.map(jobMetrics),
        workers: workers.map((w) => ({ workerId: w.workerId, status: w.status, slots: w.slots, freeSlots: w.freeSlots, cpuPercent: w.cpuPercent, rssBytes: w.rssBytes })),
      };
      if (flags.json === true) return printJson(result);
      let out = "";
      for (const job of result.jobs) {
        out += `Job ${job.name} (${job.jobId}) ${job.status.toUpperCase()}: records in ${formatCount(job.recordsIn)}, out ${formatCount(job.recordsOut)}\n`;
        out += renderTable(
          [{ header: "TASK" }, { header: "WORKER" }, { header: "RECORDS IN", align: "right" }, { header: "RECORDS OUT", align: "right" }, { header: "BYTES IN", align: "right" }, { header: "BYTES OUT", align: "right" }, { header: "BACKPRESSURE", align: "right" }],
          job.tasks.map((t) => [t.taskId, t.workerId || "-", formatCount(t.recordsIn), formatCount(t.recordsOut), formatBytes(t.bytesIn), formatBytes(t.bytesOut), formatRatio(t.backpressureRatio)]),
        );
        out += "\n";
      }
      if (result.jobs.length === 0) out += "No running jobs.\n\n";
      out += renderTable(
        [{ header: "WORKER" }, { header: "STATUS" }, { header: "SLOTS", align: "right" }, { header: "CPU", align: "right" }, { header: "RSS", align: "right" }],
        result.workers.map((w) => [w.workerId, w.status.toUpperCase(), `${w.slots - w.freeSlots}/${w.slots}`, `${w.cpuPercent.toFixed(0)}%`, formatBytes(w.rssBytes)]),
      );
      process.stdout.write(out);
    });
  });
}
