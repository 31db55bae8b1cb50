/**
 * @module cli/commands/metrics
 * `bicycle metrics [ID]`: the counters of one job, or of every job still running: per job records in/out
 * and per task records and bytes in/out with backpressure, plus each worker's CPU and memory; `--json`
 * prints the same data.
 */
import type { Command } from "commander";
import { liveJobDetails, metricsSnapshot } from "../../cluster/index.ts";
import { addClientFlags, fetchJob, printJson, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { formatBytes, formatCount, formatRatio, renderTable } from "../table.ts";

export function registerMetrics(program: Command): void {
  addClientFlags(program.command("metrics").description("show job, task and worker counters").argument("[id]", "one job (id or unique prefix); default: every job not yet ended")).action(async (id: string | undefined, flags: ClientFlags) => {
    await withJobManager(flags, async (client) => {
      const jobs = id === undefined ? await liveJobDetails(client) : [await fetchJob(client, id)];
      const { workers } = await client.clusterOverview();
      const result = metricsSnapshot(jobs, workers);
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
