/**
 * @module web/dashboard/api
 * The dashboard's REST client: typed GET/POST/DELETE against the same server that served the page. The
 * response types are inferred from the server's zod schemas (type-only imports, nothing of zod is
 * bundled), so a renamed field breaks the dashboard's type check, not its pages. A non-2xx answer
 * becomes an ApiError carrying the server's `{error, fields}`.
 */
import type { z } from "zod";
import type * as S from "../schemas.ts";

export type Cluster = z.infer<typeof S.ClusterResponse>;
export type Worker = z.infer<typeof S.WorkerInfo>;
export type JobRow = z.infer<typeof S.JobRowSchema>;
export type Job = z.infer<typeof S.JobResponse>;
export type Task = z.infer<typeof S.TaskInfo>;
export type Checkpoints = z.infer<typeof S.CheckpointsResponse>;
export type Plan = z.infer<typeof S.PlanResponse>;
export type Savepoint = z.infer<typeof S.SavepointResponse>;
export type Submitted = z.infer<typeof S.SubmitResponse>;
export type Health = z.infer<typeof S.HealthResponse>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Readonly<Record<string, readonly string[]>> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, "the server does not answer");
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: string; fields?: Record<string, string[]> };
  if (!response.ok) throw new ApiError(response.status, payload.error ?? `${method} ${path}: HTTP ${response.status}`, payload.fields ?? {});
  return payload as T;
}

const job = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;

export const api = {
  health: () => call<Health>("GET", "/health"),
  cluster: () => call<Cluster>("GET", "/api/cluster"),
  workers: () => call<{ workers: Worker[] }>("GET", "/api/cluster/workers"),
  jobs: () => call<{ jobs: JobRow[] }>("GET", "/api/jobs"),
  job: (id: string) => call<Job>("GET", job(id)),
  plan: (id: string) => call<Plan>("GET", `${job(id)}/plan`),
  checkpoints: (id: string) => call<Checkpoints>("GET", `${job(id)}/checkpoints`),
  cancel: (id: string) => call<{ jobId: string; status: string }>("DELETE", job(id)),
  savepoint: (id: string, stop: boolean) => call<Savepoint>("POST", `${job(id)}/savepoints`, { stop }),
  submitSql: (name: string, parallelism: number, sql: string) => call<Submitted>("POST", "/api/jobs", { name, parallelism, sql }),
};
