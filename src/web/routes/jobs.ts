/**
 * @module web/routes/jobs
 * `GET /api/jobs`, `POST /api/jobs` (SQL as JSON, or a bundled TypeScript job as multipart/form-data),
 * `GET /api/jobs/:id` and `DELETE /api/jobs/:id` (cancel).
 */
import { asJobRef, jobRow, vertexOfTask, type JobDetails } from "../../cluster/index.ts";
import { BicycleError } from "../../core/index.ts";
import { parsePlan } from "../../plan/index.ts";
import { HttpError, jobIdOf, mediaType, MAX_MULTIPART_BODY, readBody, readJson, validate, type Reply, type RouteSpec, type WebContext } from "../http.ts";
import { CancelResponse, ErrorResponse, JobResponse, JobsResponse, SubmitBundleFields, SubmitResponse, SubmitSqlBody } from "../schemas.ts";

/** A task as the API shows it (with its vertex). */
export const taskInfo = (t: JobDetails["tasks"][number]) => ({
  taskId: t.taskId,
  vertexId: vertexOfTask(t.taskId),
  workerId: t.workerId,
  state: t.state,
  recordsIn: t.recordsIn,
  recordsOut: t.recordsOut,
  bytesIn: t.bytesIn,
  bytesOut: t.bytesOut,
  backpressureRatio: Math.min(1, t.backpressureRatio),
});

async function submitSql(ctx: WebContext, request: Request): Promise<Reply> {
  const body = validate(SubmitSqlBody, await readJson(request));
  if (ctx.planSql === undefined) throw new HttpError(501, "this server cannot plan SQL (started without a SQL planner); submit with the CLI");
  let planned: { plan: unknown; checkpointIntervalMs: number };
  try {
    planned = ctx.planSql(body.sql, { parallelism: body.parallelism, name: body.name });
  } catch (error) {
    if (error instanceof BicycleError && error.domain === "user") throw new HttpError(400, error.message, { sql: [error.message] });
    throw error;
  }
  const options = { parallelism: body.parallelism, checkpointInterval: planned.checkpointIntervalMs };
  const { jobId } = await ctx.gateway.submitJob({ name: body.name, parallelism: body.parallelism, planJson: JSON.stringify(planned.plan), optionsJson: JSON.stringify(options) });
  return { status: 201, body: { jobId } };
}

async function submitBundle(ctx: WebContext, request: Request): Promise<Reply> {
  const bytes = await readBody(request, MAX_MULTIPART_BODY);
  let form: Awaited<ReturnType<Response["formData"]>>;
  try {
    form = await new Response(bytes, { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
  } catch {
    throw new HttpError(400, "malformed multipart/form-data body");
  }
  const text = (name: string): string | undefined => {
    const v = form.get(name);
    return typeof v === "string" ? v : undefined;
  };
  const fields = validate(SubmitBundleFields, { name: text("name"), parallelism: text("parallelism"), plan: text("plan"), checkpointIntervalMs: text("checkpointIntervalMs") });
  const bundle = form.get("bundle");
  if (!(bundle instanceof Blob) || bundle.size === 0) throw new HttpError(400, "invalid request body", { bundle: ["must be the job's bundle file"] });
  let planJson: unknown;
  try {
    planJson = JSON.parse(fields.plan);
    parsePlan(planJson);
  } catch (error) {
    throw new HttpError(400, "invalid request body", { plan: [error instanceof Error ? error.message.split("\n")[0]! : "not a plan"] });
  }
  const options = { parallelism: fields.parallelism, checkpointInterval: fields.checkpointIntervalMs };
  const { jobId } = await ctx.gateway.submitJob({
    name: fields.name,
    parallelism: fields.parallelism,
    planJson: JSON.stringify(planJson),
    bundle: new Uint8Array(await bundle.arrayBuffer()),
    optionsJson: JSON.stringify(options),
  });
  return { status: 201, body: { jobId } };
}

export const jobRoutes: readonly RouteSpec[] = [
  {
    method: "GET",
    path: "/api/jobs",
    summary: "every job: state, tasks, records in/out, start time, duration",
    tag: "jobs",
    responses: { 200: JobsResponse, 503: ErrorResponse },
    handle: async ({ gateway }) => {
      const { jobs } = await gateway.listJobs();
      const details = await Promise.all(jobs.map((j) => gateway.getJob(asJobRef(j.jobId)).catch(() => null)));
      const now = Date.now();
      return { status: 200, body: { jobs: details.filter((d) => d !== null).map((d) => jobRow(d, now)) } };
    },
  },
  {
    method: "POST",
    path: "/api/jobs",
    summary: "submit a job: JSON {name, parallelism, sql}, or multipart/form-data with name, parallelism, plan (JSON) and a bundle file",
    tag: "jobs",
    body: SubmitSqlBody,
    multipart: SubmitBundleFields,
    responses: { 201: SubmitResponse, 400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 501: ErrorResponse },
    handle: async (ctx, request) => (mediaType(request) === "multipart/form-data" ? submitBundle(ctx, request) : submitSql(ctx, request)),
  },
  {
    method: "GET",
    path: "/api/jobs/:id",
    summary: "one job: its row, failure, last checkpoint and tasks",
    tag: "jobs",
    responses: { 200: JobResponse, 400: ErrorResponse, 404: ErrorResponse },
    handle: async ({ gateway }, _request, params) => {
      const job = await gateway.getJob(asJobRef(jobIdOf(params)));
      return {
        status: 200,
        body: {
          ...jobRow(job),
          ...(job.failure === undefined ? {} : { failure: job.failure }),
          ...(job.lastCheckpointId === undefined ? {} : { lastCheckpointId: job.lastCheckpointId }),
          ...(job.savepointPath === undefined ? {} : { savepointPath: job.savepointPath }),
          taskDetails: job.tasks.map(taskInfo),
        },
      };
    },
  },
  {
    method: "DELETE",
    path: "/api/jobs/:id",
    summary: "cancel a job",
    tag: "jobs",
    responses: { 202: CancelResponse, 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
    handle: async ({ gateway }, _request, params) => {
      const ref = asJobRef(jobIdOf(params));
      await gateway.cancelJob(ref);
      const job = await gateway.getJob(ref);
      return { status: 202, body: { jobId: ref.jobId, status: job.summary.status } };
    },
  },
];
