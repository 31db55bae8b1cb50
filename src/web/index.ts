/**
 * @module web
 * The REST API (Elysia) over a JobManagerGateway: createWebApp and its options, the response schemas
 * (shared with the contract tests) and the route specs. Imports core, plan and cluster only.
 */
export { createWebApp, webRoutes, type WebApp, type WebAppOptions } from "./app.ts";
export { MAX_JSON_BODY, MAX_MULTIPART_BODY, type PlanSql, type RouteSpec } from "./http.ts";
export { openApiPath } from "./openapi.ts";
export { PrometheusExporter } from "./prometheus.ts";
export * as schemas from "./schemas.ts";
