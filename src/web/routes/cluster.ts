/**
 * @module web/routes/cluster
 * `GET /health`, `GET /api/cluster` (slots, workers, jobs by status, uptime) and
 * `GET /api/cluster/workers` (one row per worker, like `bicycle workers`).
 */
import type { RouteSpec } from "../http.ts";
import { ClusterResponse, ErrorResponse, HealthResponse, WorkersResponse } from "../schemas.ts";

export const clusterRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/health",
    summary: "liveness of this server",
    tag: "cluster",
    responses: { 200: HealthResponse },
    handle: async (ctx) => ({ status: 200, body: { status: "ok", uptimeMs: Date.now() - ctx.startedAtMs } }),
  },
  {
    method: "GET",
    path: "/api/cluster",
    summary: "cluster overview: workers, slots, jobs by status, uptime",
    tag: "cluster",
    responses: { 200: ClusterResponse, 503: ErrorResponse },
    handle: async ({ gateway }) => {
      const [overview, { jobs }] = await Promise.all([gateway.clusterOverview(), gateway.listJobs()]);
      const byStatus: Record<string, number> = {};
      for (const j of jobs) byStatus[j.status] = (byStatus[j.status] ?? 0) + 1;
      return {
        status: 200,
        body: {
          workers: overview.workers.length,
          aliveWorkers: overview.workers.filter((w) => w.status === "alive").length,
          totalSlots: overview.totalSlots,
          freeSlots: overview.freeSlots,
          runningJobs: overview.runningJobs,
          jobs: byStatus,
          uptimeMs: overview.uptimeMs,
        },
      };
    },
  },
  {
    method: "GET",
    path: "/api/cluster/workers",
    summary: "the workers: slots, CPU, memory, status, last heartbeat",
    tag: "cluster",
    responses: { 200: WorkersResponse, 503: ErrorResponse },
    handle: async ({ gateway }) => {
      const { workers } = await gateway.clusterOverview();
      return {
        status: 200,
        body: {
          workers: workers.map((w) => ({
            workerId: w.workerId,
            host: w.host,
            hostname: w.hostname,
            dataPort: w.dataPort,
            slots: w.slots,
            freeSlots: w.freeSlots,
            status: w.status,
            lastHeartbeatMs: w.lastHeartbeatMs,
            cpuCores: w.cpuCores,
            memoryMb: w.memoryMb,
            cpuPercent: w.cpuPercent,
            rssBytes: w.rssBytes,
          })),
        },
      };
    },
  },
];
