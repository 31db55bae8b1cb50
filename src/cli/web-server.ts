/**
 * @module cli/web-server
 * Starts the dashboard and REST API on `host:port` for `bicycle jobmanager --web` and `bicycle webui`, with the CLI's
 * SQL planner, and stops it again.
 */
import type { JobManagerGateway } from "../cluster/index.ts";
import { log } from "../core/index.ts";
import { createWebApp } from "../web/index.ts";
import { splitHostPort } from "./cluster-config.ts";
import { VERSION } from "./version.ts";
import { planSqlForWeb } from "./web-sql.ts";

export interface RunningWeb {
  readonly url: string;
  stop(): Promise<void>;
}

export function startWeb(gateway: JobManagerGateway, bind: string, savepointDir: string | undefined): RunningWeb {
  const { hostname, port } = splitHostPort(bind);
  const app = createWebApp(gateway, { planSql: planSqlForWeb, version: VERSION, ...(savepointDir === undefined ? {} : { savepointDir }) }).listen({ hostname, port });
  const url = `http://${hostname}:${app.server?.port ?? port}`;
  log.info(`dashboard on ${url}/, REST API under ${url}/api (OpenAPI document at ${url}/openapi)`);
  return {
    url,
    stop: async () => {
      await app.stop();
    },
  };
}
