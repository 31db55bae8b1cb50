/**
 * @module web/routes/metrics
 * `GET /api/metrics` (JSON: each running job's records in/out and task counters, each worker's slots,
 * CPU and memory, as `bicycle metrics --json`) and `GET /metrics` (Prometheus text, prometheus.ts).
 */
import { liveJobDetails, metricsSnapshot } from "../../cluster/index.ts";
import type { PrometheusExporter } from "../prometheus.ts";
import type { RouteSpec } from "../http.ts";
import { ErrorResponse, MetricsResponse } from "../schemas.ts";

export function metricsRoutes(exporter: PrometheusExporter): readonly RouteSpec[] {
  return [
    {
      method: "GET",
      path: "/api/metrics",
      summary: "counters of every job not yet ended and of every worker",
      tag: "metrics",
      responses: { 200: MetricsResponse, 503: ErrorResponse },
      handle: async ({ gateway }) => {
        const jobs = await liveJobDetails(gateway);
        const { workers } = await gateway.clusterOverview();
        return { status: 200, body: metricsSnapshot(jobs, workers) };
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
