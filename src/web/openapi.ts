/**
 * @module web/openapi
 * The OpenAPI 3.1 document of the REST API, generated from the same route specs the app serves (their
 * zod schemas become JSON Schema through zod's own converter). Served as JSON only: a viewer loaded
 * from a CDN would not work offline.
 */
import { z } from "zod";
import type { RouteSpec } from "./http.ts";

/** `/api/jobs/:id` -> `/api/jobs/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

const jsonSchema = (schema: z.ZodType, io: "input" | "output") => z.toJSONSchema(schema, { io, unrepresentable: "any" });

export function openApiDocument(routes: readonly RouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const content: Record<string, unknown> = {};
    if (route.body !== undefined) content["application/json"] = { schema: jsonSchema(route.body, "input") };
    if (route.multipart !== undefined) {
      const fields = jsonSchema(route.multipart, "input") as { properties?: Record<string, unknown>; required?: string[] };
      content["multipart/form-data"] = {
        schema: { type: "object", properties: { ...fields.properties, bundle: { type: "string", format: "binary" } }, required: [...(fields.required ?? []), "bundle"] },
      };
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.responses)) {
      responses[status] = {
        description: Number(status) < 400 ? "success" : "error",
        content: schema === "text" ? { "text/plain": { schema: { type: "string" } } } : { "application/json": { schema: jsonSchema(schema, "output") } },
      };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(Object.keys(content).length > 0 ? { requestBody: { required: route.body !== undefined && route.method === "POST" && route.path === "/api/jobs", content } } : {}),
      responses,
    };
  }
  paths["/"] = { get: { summary: "the web dashboard (HTML; its bundled script and stylesheet are served beside it)", tags: ["meta"], operationId: "getDashboard", responses: { "200": { description: "success", content: { "text/html": { schema: { type: "string" } } } } } } };
  paths["/openapi"] = { get: { summary: "this document", tags: ["meta"], operationId: "getOpenapi", responses: { "200": { description: "success", content: { "application/json": { schema: { type: "object" } } } } } } };
  return {
    openapi: "3.1.0",
    info: { title: "Bicycle REST API", version, description: "Jobs, checkpoints, workers and metrics of a Bicycle cluster." },
    paths,
  };
}
