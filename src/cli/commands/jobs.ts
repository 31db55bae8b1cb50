/**
 * @module cli/commands/jobs
 * `bicycle jobs`: every job the JobManager knows, newest first (id, name, state, tasks, records in/out,
 * start time, duration), like `flink list`; `--json` prints the same rows.
 */
import type { Command } from "commander";
import { asJobRef } from "../../cluster/index.ts";
import { addClientFlags, jobRow, printJson, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { formatCount, formatDuration, formatTime, renderTable } from "../table.ts";

export function registerJobs(program: Command): void {
  addClientFlags(program.command("jobs").description("list the cluster's jobs")).action(async (flags: ClientFlags) => {
    await withJobManager(flags, async (client) => {
      const { jobs } = await client.listJobs();
      const details = await Promise.all(jobs.map((j) => client.getJob(asJobRef(j.jobId))));
      const now = Date.now();
      const rows = details.map((d) => jobRow(d, now)).sort((a, b) => b.startTimeMs - a.startTimeMs || a.jobId.localeCompare(b.jobId));
      if (flags.json === true) return printJson(rows);
      process.stdout.write(
        renderTable(
          [{ header: "JOB ID" }, { header: "NAME" }, { header: "STATE" }, { header: "TASKS", align: "right" }, { header: "RECORDS IN", align: "right" }, { header: "RECORDS OUT", align: "right" }, { header: "START" }, { header: "DURATION", align: "right" }],
          rows.map((r) => [r.jobId, r.name, r.status.toUpperCase(), String(r.tasks), formatCount(r.recordsIn), formatCount(r.recordsOut), formatTime(r.startTimeMs), formatDuration(r.durationMs)]),
        ),
      );
    });
  });
}
