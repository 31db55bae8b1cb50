/**
 * @module cli/commands/workers
 * `bicycle workers`: the workers the JobManager knows (id, hostname, data-plane address, slots
 * used/total, CPU, memory (RSS / configured), status, last heartbeat) as a table, or their WorkerSummary list with `--json`.
 */
import type { Command } from "commander";
import { addClientFlags, printJson, withJobManager, type ClientFlags } from "../cluster-client.ts";
import { formatBytes, formatDuration, renderTable } from "../table.ts";

export function registerWorkers(program: Command): void {
  addClientFlags(program.command("workers").description("list the cluster's workers")).action(async (flags: ClientFlags) => {
    await withJobManager(flags, async (client) => {
      const { workers } = await client.clusterOverview();
      if (flags.json === true) return printJson(workers);
      const now = Date.now();
      const rows = workers.map((w) => [
        w.workerId,
        w.hostname === "" ? w.host : w.hostname,
        `${w.host}:${w.dataPort}`,
        `${w.slots - w.freeSlots}/${w.slots}`,
        `${w.cpuPercent.toFixed(0)}% of ${w.cpuCores}`,
        w.memoryMb > 0 ? `${formatBytes(w.rssBytes)} / ${formatBytes(w.memoryMb * 1024 * 1024)}` : formatBytes(w.rssBytes),
        w.status.toUpperCase(),
        w.lastHeartbeatMs > 0 ? `${formatDuration(now - w.lastHeartbeatMs)} ago` : "-",
      ]);
      process.stdout.write(
        renderTable(
          [{ header: "ID" }, { header: "HOST" }, { header: "ADDRESS" }, { header: "SLOTS", align: "right" }, { header: "CPU", align: "right" }, { header: "MEMORY", align: "right" }, { header: "STATUS" }, { header: "LAST HEARTBEAT", align: "right" }],
          rows,
        ),
      );
    });
  });
}
