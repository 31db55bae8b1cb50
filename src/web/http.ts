/**
 * @module web/http
 * The REST API's plumbing, free of Elysia: the route description every route file exports (method,
 * path, schemas, handler), HTTP errors, the mapping of domain errors to status codes (never a stack
 * trace in a response), and request bodies read with a size limit and validated with zod.
 */
import type { z } from "zod";
import { BicycleError, log } from "../core/index.ts";
import type { JobManagerGateway } from "../cluster/index.ts";
import { JobIdParam } from "./schemas.ts";

/** The largest JSON body accepted (1 MiB). */
export const MAX_JSON_BODY = 1024 * 1024;
/** The largest multipart body accepted (50 MiB: a job bundle). */
export const MAX_MULTIPART_BODY = 50 * 1024 * 1024;

/** What POST /api/jobs turns SQL into; given by the CLI (web may not import src/sql). */
export type PlanSql = (text: string, options: { parallelism: number; name: string }) => { plan: unknown; checkpointIntervalMs: number };

/** What the routes work with. */
export interface WebContext {
  readonly gateway: JobManagerGateway;
  readonly planSql: PlanSql | undefined;
  /** Where savepoints go, on the JobManager's host; undefined: the savepoint endpoint answers 501. */
  readonly savepointDir: string | undefined;
  readonly startedAtMs: number;
}

/** A handler's answer: JSON unless `text` is given. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly contentType?: string;
}

export type HttpMethod = "GET" | "POST" | "DELETE";

/** One REST route: served by app.ts and described by openapi.ts from the same object. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Elysia's path syntax (`/api/jobs/:id`). */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** JSON request body, if any. */
  readonly body?: z.ZodType;
  /** Also accepts multipart/form-data with these text fields (plus a `bundle` file). */
  readonly multipart?: z.ZodType;
  /** Status code -> schema of its JSON body (`"text"` for a text/plain body). */
  readonly responses: Readonly<Record<number, z.ZodType | "text">>;
  readonly handle: (ctx: WebContext, request: Request, params: Readonly<Record<string, string>>) => Promise<Reply>;
}

/** An error with its HTTP status and, for invalid input, the field errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Field path ("parallelism", "plan.nodes.0") -> messages of a failed zod parse. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length === 0 ? "(body)" : issue.path.map(String).join(".");
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

/** Parse `value` with `schema`, or throw a 400 listing the field errors. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what = "invalid request body"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, what, fieldErrors(result.error));
  return result.data;
}

/** The `:id` path parameter as a job id (400 if it cannot be one). */
export function jobIdOf(params: Readonly<Record<string, string>>): string {
  const result = JobIdParam.safeParse(params.id ?? "");
  if (!result.success) throw new HttpError(400, `invalid job id: ${result.error.issues[0]?.message ?? "malformed"}`);
  return result.data;
}

/** The body's bytes, refusing (413) more than `limit` whether or not Content-Length says so. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new HttpError(413, `request body larger than ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The media type of the request without parameters ("application/json"). */
export const mediaType = (request: Request): string => (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

/** A JSON body (at most MAX_JSON_BODY bytes; an empty body is `{}`), or a 400/413/415. */
export async function readJson(request: Request): Promise<unknown> {
  const type = mediaType(request);
  if (type !== "" && type !== "application/json") throw new HttpError(415, `expected an application/json body, got ${type}`);
  const bytes = await readBody(request, MAX_JSON_BODY);
  const text = new TextDecoder().decode(bytes).trim();
  if (text === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}

/** The status and body for an error thrown while handling a request; unexpected errors are logged, not shown. */
export function errorReply(error: unknown): Reply {
  if (error instanceof HttpError) return { status: error.status, body: error.fields === undefined ? { error: error.message } : { error: error.message, fields: error.fields } };
  if (error instanceof BicycleError) {
    if (error.code === "NOT_FOUND") return { status: 404, body: { error: error.message } };
    if (error.code === "INVALID_ARGUMENT") return { status: 400, body: { error: error.message } };
    if (error.domain === "user") return { status: 409, body: { error: error.message } };
    if (error.domain === "external") return { status: 503, body: { error: error.message } };
  }
  log.error(`web: request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return { status: 500, body: { error: "internal error (see the server's log)" } };
}
