/**
 * @module web/routes/metrics
 * `GET /api/metrics` (JSON: each running job's records in/out and task counters, each worker's slots,
 * CPU and memory, as `bicycle metrics --json`) and `GET /metrics` (Prometheus text, prometheus.ts).
 */
import { asJobRef, jobTotals, TERMINAL_STATES, type JobDetails } from "../../cluster/index.ts";
import type { PrometheusExporter } from "../prometheus.ts";
import type { RouteSpec } from "../http.ts";
import { ErrorResponse, MetricsResponse } from "../schemas.ts";

function jobMetrics(job: JobDetails) {
  const { recordsIn, recordsOut } = jobTotals(job);
  return {
    jobId: job.summary.jobId,
    name: job.summary.name,
    status: job.summary.status,
    recordsIn,
    recordsOut,
    tasks: job.tasks.map((t) => ({ taskId: t.taskId, workerId: t.workerId, state: t.state, recordsIn: t.recordsIn, recordsOut: t.recordsOut, bytesIn: t.bytesIn, bytesOut: t.bytesOut, backpressureRatio: Math.min(1, t.backpressureRatio) })),
  };
}

export function metricsRoutes(exporter: PrometheusExporter): readonly RouteSpec[] {
  return [
    {
      method: "GET",
      path: "/api/metrics",
      summary: "counters of every job not yet ended and of every worker",
      tag: "metrics",
      responses: { 200: MetricsResponse, 503: ErrorResponse },
      handle: async ({ gateway }) => {
        const { jobs } = await gateway.listJobs();
        const live = jobs.filter((j) => !TERMINAL_STATES.has(j.status));
        const details = (await Promise.all(live.map((j) => gateway.getJob(asJobRef(j.jobId)).catch(() => null)))).filter((d): d is JobDetails => d !== null);
        const { workers } = await gateway.clusterOverview();
        return {
          status: 200,
          body: {
            jobs: details.map(jobMetrics),
            workers: workers.map((w) => ({ workerId: w.workerId, status: w.status, slots: w.slots, freeSlots: w.freeSlots, cpuPercent: w.cpuPercent, rssBytes: w.rssBytes })),
          },
        };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      summary: "Prometheus exposition of the cluster's counters and this process",
      tag: "metrics",
      responses: { 200: "text", 503: ErrorResponse },
      handle: async () => ({ status: 200, text: await exporter.scrape(), contentType: exporter.contentType }),
    },
  ];
}
