/**
 * @module web/dashboard/pages/job
 * One job: its state and totals, the DAG with per-vertex parallelism, records/s and backpressure, the
 * tasks table, the checkpoint history (sizes and durations), and the cancel and savepoint buttons.
 * Cancelling asks once more in place (no browser dialog); a savepoint shows the path it was written to.
 */
import { api, ApiError, type Plan } from "../api.ts";
import { drawDag, type VertexLive } from "../dag.ts";
import { h, replace, table } from "../dom.ts";
import * as fmt from "../format.ts";
import type { PageFactory } from "../page.ts";
import { Rates } from "../rates.ts";
import { statCard, stateBadge } from "../widgets.ts";

const TERMINAL = new Set(["finished", "failed", "cancelled"]);

export const jobPage: PageFactory = (root, shell, param) => {
  const jobId = param ?? "";
  const title = h("h1", {}, "Job ", h("span", { class: "mono" }, jobId));
  const actions = h("div", { class: "actions" });
  const summary = h("div", { class: "stats small" });
  const failure = h("div");
  const dag = h("div", { class: "dag-box", id: "dag" });
  const tasks = h("div");
  const checkpoints = h("div");
  replace(
    root,
    h("div", { class: "page-head" }, title, actions),
    summary,
    failure,
    h("section", { class: "card" }, h("h2", {}, "Job graph"), h("p", { class: "legend" }, h("span", { class: "bp-key bp-ok" }, "OK ≤ 10%"), h("span", { class: "bp-key bp-low" }, "LOW ≤ 50%"), h("span", { class: "bp-key bp-high" }, "HIGH > 50%"), " backpressure"), dag),
    h("section", { class: "card" }, h("h2", {}, "Tasks"), tasks),
    h("section", { class: "card" }, h("h2", {}, "Checkpoints"), checkpoints),
  );

  let plan: Plan | undefined;
  let status = "";
  let confirming = false;
  let busy = false;
  const taskRates = new Rates();
  const vertexRates = new Rates();
  const jobRates = new Rates();

  const run = async (what: string, action: () => Promise<string>) => {
    busy = true;
    drawActions();
    try {
      shell.flash(await action(), "info");
    } catch (error) {
      shell.flash(`${what} failed: ${error instanceof ApiError ? error.message : String(error)}`, "error");
    } finally {
      busy = false;
      confirming = false;
      drawActions();
    }
  };

  function drawActions(): void {
    const ended = TERMINAL.has(status);
    const disabled = ended || busy || status === "cancelling";
    if (confirming) {
      replace(
        actions,
        h("span", { class: "confirm" }, "Cancel this job?"),
        h("button", { class: "danger", id: "confirm-cancel", onclick: () => void run("cancel", async () => `job ${(await api.cancel(jobId)).status}`) }, "Yes, cancel"),
        h("button", { id: "keep-running", onclick: () => ((confirming = false), drawActions()) }, "No"),
      );
      return;
    }
    replace(
      actions,
      h("button", { id: "savepoint", disabled, onclick: () => void run("savepoint", async () => `savepoint ${(await api.savepoint(jobId, false)).path}`) }, "Savepoint"),
      h("button", { id: "stop-savepoint", disabled, onclick: () => void run("stop with savepoint", async () => `stopped; savepoint ${(await api.savepoint(jobId, true)).path}`) }, "Stop with savepoint"),
      h("button", { id: "cancel", class: "danger", disabled, onclick: () => ((confirming = true), drawActions()) }, "Cancel job"),
    );
  }

  return {
    async refresh(now) {
      const [job, history] = await Promise.all([api.job(jobId), api.checkpoints(jobId)]);
      plan ??= await api.plan(jobId);
      const changed = job.status !== status;
      status = job.status;
      if (changed) drawActions();
      replace(title, job.name, " ", stateBadge(job.status));
      const inRate = jobRates.sample("in", job.recordsIn, now);
      replace(
        summary,
        statCard("records in", fmt.count(job.recordsIn), "records-in"),
        statCard("records out", fmt.count(job.recordsOut), "records-out"),
        statCard("records/s in", TERMINAL.has(job.status) ? "-" : fmt.rate(inRate), "rate"),
        statCard("parallelism", String(job.parallelism), "parallelism"),
        statCard("started", fmt.time(job.startTimeMs), "started"),
        statCard("duration", fmt.duration(job.durationMs), "duration"),
        statCard("restarts", String(job.restarts), "restarts"),
      );
      replace(failure, job.failure === undefined ? null : h("div", { class: "card failure" }, h("h2", {}, "Failure"), h("pre", {}, job.failure)));

      const perVertex = new Map<string, { records: number; backpressure: number }>();
      for (const t of job.taskDetails) {
        const v = perVertex.get(t.vertexId) ?? { records: 0, backpressure: 0 };
        v.records += t.recordsIn;
        v.backpressure = Math.max(v.backpressure, t.backpressureRatio);
        perVertex.set(t.vertexId, v);
      }
      const live = new Map<string, VertexLive>();
      for (const [id, v] of perVertex) live.set(id, { recordsPerSecond: vertexRates.sample(id, v.records, now), backpressure: v.backpressure });
      replace(dag, drawDag(plan, live));

      replace(
        tasks,
        table(
          ["task", "worker", "state", "records in", "records out", "records/s", "bytes in", "bytes out", "backpressure"],
          job.taskDetails.map((t) => [
            h("span", { class: "mono" }, t.taskId),
            h("span", { class: "mono" }, t.workerId),
            stateBadge(t.state),
            fmt.count(t.recordsIn),
            fmt.count(t.recordsOut),
            fmt.rate(taskRates.sample(t.taskId, t.recordsIn, now)),
            fmt.bytes(t.bytesIn),
            fmt.bytes(t.bytesOut),
            fmt.percent(t.backpressureRatio),
          ]),
          "no tasks deployed",
          { id: "tasks-table" },
        ),
      );
      replace(
        checkpoints,
        h("p", {}, `${history.counts.completed} checkpoints, ${history.counts.savepoints} savepoints completed`),
        table(
          ["id", "kind", "completed", "duration", "size", "path"],
          [...history.history].reverse().map((c) => [c.checkpointId, c.kind, fmt.time(c.completedAtMs), fmt.duration(c.durationMs), fmt.bytes(c.sizeBytes), h("span", { class: "mono path" }, c.path)]),
          "no checkpoint has completed (set a checkpoint interval to take them)",
          { id: "checkpoints-table" },
        ),
      );
    },
  };
};

