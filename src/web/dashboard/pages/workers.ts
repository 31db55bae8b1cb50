/**
 * @module web/dashboard/pages/workers
 * The workers table: id, hostname, slots used/total, CPU, memory, status, last heartbeat.
 */
import { api } from "../api.ts";
import { h, replace, table } from "../dom.ts";
import * as fmt from "../format.ts";
import type { PageFactory } from "../page.ts";

export const workersPage: PageFactory = (root) => {
  const body = h("div");
  replace(root, h("h1", {}, "Workers"), h("section", { class: "card" }, body));
  return {
    async refresh(now) {
      const { workers } = await api.workers();
      replace(
        body,
        table(
          ["worker", "hostname", "address", "slots used", "CPU", "memory (RSS)", "status", "last heartbeat"],
          workers.map((w) => [
            h("span", { class: "mono", "data-worker": w.workerId }, w.workerId),
            w.hostname,
            `${w.host}:${w.dataPort}`,
            `${w.slots - w.freeSlots} / ${w.slots}`,
            `${w.cpuPercent.toFixed(0)}% of ${w.cpuCores} cores`,
            `${fmt.bytes(w.rssBytes)} of ${fmt.bytes(w.memoryMb * 1024 * 1024)}`,
            h("span", { class: `badge worker-${w.status}` }, w.status.toUpperCase()),
            fmt.ago(w.lastHeartbeatMs, now),
          ]),
          "no worker has registered",
          { id: "workers-table" },
        ),
      );
    },
  };
};
