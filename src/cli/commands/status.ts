/**
 * @module cli/commands/status
 * `bicycle status`: the cluster at a glance (JobManager address, workers alive/lost, slots total and
 * available, running jobs, JobManager uptime), as `key: value` lines or `--json`.
 */
import type { Command } from "commander";
import { addClientFlags, printJson, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { formatDuration, renderFields } from "../table.ts";

export function registerStatus(program: Command): void {
  addClientFlags(program.command("status").description("show the cluster overview: workers, slots, running jobs, uptime")).action(async (flags: ClientFlags) => {
    await withJobManager(flags, async (client, address) => {
      const o = await client.clusterOverview();
      const alive = o.workers.filter((w) => w.status === "alive").length;
      const status = {
        jobmanager: address,
        workers: o.workers.length,
        aliveWorkers: alive,
        totalSlots: o.totalSlots,
        freeSlots: o.freeSlots,
        runningJobs: o.runningJobs,
        uptimeMs: o.uptimeMs,
      };
      if (flags.json === true) return printJson(status);
      process.stdout.write(
        renderFields([
          ["JobManager", address],
          ["Workers", `${alive} alive${o.workers.length > alive ? `, ${o.workers.length - alive} lost` : ""}`],
          ["Slots", `${o.freeSlots} available / ${o.totalSlots} total`],
          ["Running jobs", String(o.runningJobs)],
          ["Uptime", formatDuration(o.uptimeMs)],
        ]),
      );
    });
  });
}
