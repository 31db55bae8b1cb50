/**
 * @module cli/web-sql
 * The SQL planner the REST API's POST /api/jobs uses (src/web may not import src/sql, so the CLI hands
 * it over): a script with exactly one job (INSERT INTO or SELECT, after any CREATE TABLE and SET) becomes
 * that job's plan and checkpoint interval. Nexmark tables get `bicycle sql`'s default event count.
 */
import { ConfigError } from "../core/index.ts";
import { planSqlScript } from "../sql/index.ts";
import type { PlanSql } from "../web/index.ts";
import { DEFAULT_NEXMARK_EVENTS } from "./commands/sql.ts";

export const planSqlForWeb: PlanSql = (text, { parallelism, name }) => {
  const results = planSqlScript(text, { parallelism, jobName: name, output: { format: "json" }, nexmark: { events: DEFAULT_NEXMARK_EVENTS } });
  const jobs = results.filter((r) => r.kind === "job");
  if (jobs.length !== 1) throw new ConfigError(`the SQL must hold exactly one job (INSERT INTO or SELECT); it holds ${jobs.length}`);
  const job = jobs[0]!;
  return { plan: job.plan, checkpointIntervalMs: job.checkpointIntervalMs };
};
