/**
 * @module web/dashboard/pages/overview
 * Cluster overview: workers, slots total/available, running jobs, uptime, the records/s chart and the
 * running jobs.
 */
import { api } from "../api.ts";
import { RateChart } from "../chart.ts";
import { h, replace, table } from "../dom.ts";
import * as fmt from "../format.ts";
import type { PageFactory } from "../page.ts";
import { jobLink, shortId, statCard, stateBadge } from "../widgets.ts";

export const overviewPage: PageFactory = (root, shell) => {
  const stats = h("div", { class: "stats" });
  const chartBox = h("div", { class: "chart", id: "records-chart" });
  const running = h("div");
  replace(root, h("h1", {}, "Overview"), stats, h("section", { class: "card" }, h("h2", {}, "Records/s read by sources"), chartBox), h("section", { class: "card" }, h("h2", {}, "Running jobs"), running));
  const chart = new RateChart(chartBox, "records/s");
  return {
    async refresh() {
      const c = await api.cluster();
      replace(
        stats,
        statCard("workers alive", `${c.aliveWorkers} / ${c.workers}`, "workers"),
        statCard("slots available", `${c.freeSlots} / ${c.totalSlots}`, "slots"),
        statCard("running jobs", c.runningJobs, "running-jobs"),
        statCard("uptime", fmt.duration(c.uptimeMs), "uptime"),
        statCard("records/s", fmt.rate(shell.history.values.at(-1) ?? 0), "records-per-second"),
      );
      chart.update(shell.history.times, shell.history.values);
      const live = shell.jobs.filter((j) => j.status === "running" || j.status === "restarting" || j.status === "created");
      replace(
        running,
        table(
          ["job", "id", "state", "tasks", "records in", "records out", "duration"],
          live.map((j) => [jobLink(j.jobId, j.name), shortId(j.jobId), stateBadge(j.status), j.tasks, fmt.count(j.recordsIn), fmt.count(j.recordsOut), fmt.duration(j.durationMs)]),
          "no job is running",
        ),
      );
    },
    dispose: () => chart.destroy(),
  };
};
