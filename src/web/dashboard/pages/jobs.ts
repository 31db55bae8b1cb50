/**
 * @module web/dashboard/pages/jobs
 * Every job the JobManager knows: state, tasks, records in/out, start time, duration.
 */
import { h, replace, table } from "../dom.ts";
import * as fmt from "../format.ts";
import type { PageFactory } from "../page.ts";
import { jobLink, shortId, stateBadge } from "../widgets.ts";

export const jobsPage: PageFactory = (root, shell) => {
  const body = h("div");
  replace(root, h("h1", {}, "Jobs"), h("section", { class: "card" }, body));
  return {
    async refresh() {
      // The shell polls the job list every second already; newest first.
      const jobs = [...shell.jobs].sort((a, b) => b.startTimeMs - a.startTimeMs);
      replace(
        body,
        table(
          ["job", "id", "state", "parallelism", "tasks", "records in", "records out", "started", "duration", "restarts"],
          jobs.map((j) => [jobLink(j.jobId, j.name), h("span", { class: "mono" }, shortId(j.jobId)), stateBadge(j.status), j.parallelism, j.tasks, fmt.count(j.recordsIn), fmt.count(j.recordsOut), fmt.time(j.startTimeMs), fmt.duration(j.durationMs), j.restarts]),
          "no jobs yet: submit one with `bicycle submit`, `bicycle sql --jobmanager` or the SQL page",
          { id: "jobs-table" },
        ),
      );
    },
  };
};
