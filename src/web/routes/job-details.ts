/**
 * @module web/routes/job-details
 * One job's parts: `GET /api/jobs/:id/tasks`, `GET /api/jobs/:id/checkpoints` (history with sizes and
 * durations), `GET /api/jobs/:id/plan` (the DAG: vertices with parallelism and chained operators, edges
 * with partitioning) and `POST /api/jobs/:id/savepoints` (into the configured directory only).
 */
import { join } from "node:path";
import { asJobRef } from "../../cluster/index.ts";
import { buildJobGraph, parsePlan } from "../../plan/index.ts";
import { HttpError, jobIdOf, readJson, validate, type RouteSpec } from "../http.ts";
import { CheckpointsResponse, ErrorResponse, PlanResponse, SavepointBody, SavepointResponse, TasksResponse } from "../schemas.ts";
import { taskInfo } from "./jobs.ts";

export const jobDetailRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/api/jobs/:id/tasks",
    summary: "a job's tasks: worker, state, records and bytes in/out, backpressure",
    tag: "jobs",
    responses: { 200: TasksResponse, 400: ErrorResponse, 404: ErrorResponse },
    handle: async ({ gateway }, _request, params) => {
      const job = await gateway.getJob(asJobRef(jobIdOf(params)));
      return { status: 200, body: { jobId: job.summary.jobId, tasks: job.tasks.map(taskInfo) } };
    },
  },
  {
    method: "GET",
    path: "/api/jobs/:id/checkpoints",
    summary: "a job's completed checkpoints and savepoints, newest last",
    tag: "jobs",
    responses: { 200: CheckpointsResponse, 400: ErrorResponse, 404: ErrorResponse },
    handle: async ({ gateway }, _request, params) => {
      const job = await gateway.getJob(asJobRef(jobIdOf(params)));
      const history = job.checkpoints.map((c) => ({ checkpointId: c.checkpointId, kind: c.kind, path: c.path, sizeBytes: c.sizeBytes, durationMs: c.durationMs, completedAtMs: c.completedAtMs }));
      return {
        status: 200,
        body: {
          jobId: job.summary.jobId,
          counts: { completed: history.filter((c) => c.kind === "checkpoint").length, savepoints: history.filter((c) => c.kind === "savepoint").length },
          ...(job.lastCheckpointId === undefined ? {} : { lastCheckpointId: job.lastCheckpointId }),
          ...(job.savepointPath === undefined ? {} : { savepointPath: job.savepointPath }),
          history,
        },
      };
    },
  },
  {
    method: "GET",
    path: "/api/jobs/:id/plan",
    summary: "a job's DAG: vertices (chained operators) with parallelism, edges with partitioning",
    tag: "jobs",
    responses: { 200: PlanResponse, 400: ErrorResponse, 404: ErrorResponse },
    handle: async ({ gateway }, _request, params) => {
      const job = await gateway.getJob(asJobRef(jobIdOf(params)));
      const graph = buildJobGraph(parsePlan(JSON.parse(job.planJson)));
      return {
        status: 200,
        body: {
          jobId: job.summary.jobId,
          vertices: graph.vertices.map((v) => ({
            id: v.id,
            name: v.name,
            parallelism: v.parallelism,
            operators: v.nodeIds.map((id) => {
              const n = graph.nodes.get(id)!;
              return { id: n.id, kind: n.kind, name: n.name, parallelism: n.parallelism };
            }),
          })),
          edges: graph.edges.map((e) => ({ source: e.sourceVertex, target: e.targetVertex, partitioning: e.partitioning, ...(e.sideOutput === undefined ? {} : { sideOutput: e.sideOutput }) })),
        },
      };
    },
  },
  {
    method: "POST",
    path: "/api/jobs/:id/savepoints",
    summary: "take a savepoint (optionally stopping the job) under the server's savepoint directory; returns its path",
    tag: "jobs",
    body: SavepointBody,
    responses: { 201: SavepointResponse, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 501: ErrorResponse },
    handle: async ({ gateway, savepointDir }, request, params) => {
      const jobId = jobIdOf(params);
      const body = validate(SavepointBody, await readJson(request));
      if (savepointDir === undefined) throw new HttpError(501, "this server has no savepoint directory configured (--savepoint-dir)");
      // The directory is chosen here, never taken from the request.
      const dir = join(savepointDir, `savepoint-${jobId.slice(0, 8)}-${Date.now()}`);
      const result = await gateway.triggerSavepoint({ ...asJobRef(jobId), dir, thenStop: body.stop });
      return { status: 201, body: { jobId, checkpointId: result.checkpointId, path: result.path, stopped: body.stop } };
    },
  },
];
