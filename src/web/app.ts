/**
 * @module web/app
 * createWebApp: the REST API over a JobManagerGateway (the JobManager's own, in process, or a gRPC
 * client of a remote one) as an Elysia app. Routes come from routes/*.ts as plain specs; this file binds
 * them to Elysia, turns every error into `{error, fields?}` with its status (no stack traces), caps
 * bodies and serves the OpenAPI document generated from the same specs, and the dashboard at `/`.
 *
 * The dashboard (dashboard/) is a Bun HTML import: Bun bundles its TypeScript and CSS (uPlot included)
 * when the server starts from source, and `bun build --compile` embeds the bundle in the executable, so
 * the page needs no files on disk and no CDN. Elysia hands an HTMLBundle to Bun.serve's static routes.
 */
import { Elysia } from "elysia";
import dashboard from "./dashboard/index.html";
import type { JobManagerGateway } from "../cluster/index.ts";
import { errorReply, MAX_MULTIPART_BODY, type PlanSql, type Reply, type RouteSpec, type WebContext } from "./http.ts";
import { openApiDocument } from "./openapi.ts";
import { PrometheusExporter } from "./prometheus.ts";
import { clusterRoutes } from "./routes/cluster.ts";
import { jobDetailRoutes } from "./routes/job-details.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { metricsRoutes } from "./routes/metrics.ts";

export interface WebAppOptions {
  /** Plans POST /api/jobs's SQL (the CLI passes src/sql's planner); without it SQL submissions get 501. */
  readonly planSql?: PlanSql;
  /** Savepoints go under this directory on the JobManager's host; without it the savepoint endpoint answers 501. */
  readonly savepointDir?: string;
  /** Shown in the OpenAPI document. */
  readonly version?: string;
}

/** Every route the app serves, as specs (openapi.ts and the tests read them too). */
export function webRoutes(exporter: PrometheusExporter): readonly RouteSpec[] {
  return [...clusterRoutes, ...jobRoutes, ...jobDetailRoutes, ...metricsRoutes(exporter)];
}

function toResponse(reply: Reply): Response {
  if (reply.text !== undefined) return new Response(reply.text, { status: reply.status, headers: { "content-type": reply.contentType ?? "text/plain; charset=utf-8" } });
  return Response.json(reply.body ?? {}, { status: reply.status });
}

export function createWebApp(gateway: JobManagerGateway, options: WebAppOptions = {}) {
  const ctx: WebContext = { gateway, planSql: options.planSql, savepointDir: options.savepointDir, startedAtMs: Date.now() };
  const routes = webRoutes(new PrometheusExporter(gateway));
  const document = openApiDocument(routes, options.version ?? "0.0.0");
  // Bun refuses larger bodies outright; each route caps its own kind lower (readBody).
  // development: false, or Bun would serve the page with its hot-reload client and rebundle per request.
  let app = new Elysia({ serve: { maxRequestBodySize: MAX_MULTIPART_BODY + 64 * 1024, development: false } }).onError(({ code, error }) => {
    if (code === "NOT_FOUND") return Response.json({ error: "no such route" }, { status: 404 });
    return toResponse(errorReply(error));
  });
  for (const route of routes) {
    app = app.route(
      route.method,
      route.path,
      async ({ request, params }: { request: Request; params: Record<string, string> }) => {
        try {
          return toResponse(await route.handle(ctx, request, params));
        } catch (error) {
          return toResponse(errorReply(error));
        }
      },
      { parse: "none" },
    );
  }
  return app.get("/openapi", () => Response.json(document)).get("/", dashboard);
}

export type WebApp = ReturnType<typeof createWebApp>;
