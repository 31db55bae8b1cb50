/**
 * @module cli/commands/job
 * `bicycle job ID`: one job (full id or unique prefix): a summary, its tasks table and its checkpoint
 * history; `--json` prints the JobDetails as the JobManager returns them plus the job's row totals.
 */
import type { Command } from "commander";
import { addClientFlags, fetchJob, jobRow, printJson, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { formatBytes, formatCount, formatDuration, formatRatio, formatTime, renderFields, renderTable } from "../table.ts";

/** Checkpoints the table shows (the newest); `--json` has them all. */
const SHOWN_CHECKPOINTS = 10;

export function registerJob(program: Command): void {
  addClientFlags(program.command("job").description("show one job: summary, tasks, checkpoints").argument("<id>", "job id (or a unique prefix)")).action(async (id: string, flags: ClientFlags) => {
    await withJobManager(flags, async (client) => {
      const job = await fetchJob(client, id);
      const row = jobRow(job);
      if (flags.json === true) return printJson({ ...job, totals: row });
      const fields: [string, string][] = [
        ["Job", `${row.name} (${row.jobId})`],
        ["State", row.status.toUpperCase()],
        ["Parallelism", String(row.parallelism)],
        ["Started", formatTime(row.startTimeMs)],
        ["Duration", formatDuration(row.durationMs)],
        ["Records", `${formatCount(row.recordsIn)} in, ${formatCount(row.recordsOut)} out`],
        ["Restarts", String(row.restarts)],
      ];
      if (job.lastCheckpointId !== undefined) fields.push(["Last checkpoint", String(job.lastCheckpointId)]);
      if (job.savepointPath !== undefined) fields.push(["Savepoint", job.savepointPath]);
      if (job.failure !== undefined) fields.push(["Failure", job.failure]);
      let out = renderFields(fields);
      out += `\nTasks\n${renderTable(
        [{ header: "TASK" }, { header: "WORKER" }, { header: "STATE" }, { header: "RECORDS IN", align: "right" }, { header: "RECORDS OUT", align: "right" }, { header: "BYTES IN", align: "right" }, { header: "BYTES OUT", align: "right" }, { header: "BACKPRESSURE", align: "right" }],
        job.tasks.map((t) => [t.taskId, t.workerId || "-", t.state.toUpperCase(), formatCount(t.recordsIn), formatCount(t.recordsOut), formatBytes(t.bytesIn), formatBytes(t.bytesOut), formatRatio(t.backpressureRatio)]),
      )}`;
      out +=
        job.checkpoints.length === 0
          ? "\nCheckpoints: none completed\n"
          : `\nCheckpoints\n${renderTable(
              [{ header: "ID", align: "right" }, { header: "KIND" }, { header: "COMPLETED" }, { header: "DURATION", align: "right" }, { header: "SIZE", align: "right" }, { header: "PATH" }],
              job.checkpoints.slice(0, SHOWN_CHECKPOINTS).map((c) => [String(c.checkpointId), c.kind.toUpperCase(), formatTime(c.completedAtMs), formatDuration(c.durationMs), formatBytes(c.sizeBytes), c.path]),
            )}${job.checkpoints.length > SHOWN_CHECKPOINTS ? `(${job.checkpoints.length - SHOWN_CHECKPOINTS} older; --json lists all)\n` : ""}`;
      process.stdout.write(out);
    });
  });
}
