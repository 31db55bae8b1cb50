/**
 * Test helper: plan an SQL script and run its last job in this process (executeLocally), collecting
 * the rows its sink would print instead of printing them.
 */
import { executeLocally, type LocalExecutionOptions } from "../../src/runtime/index.ts";
import { planSqlScript, type SqlPlannerOptions, type SqlStatementResult } from "../../src/sql/index.ts";

export type SqlRow = Record<string, unknown>;

export function planJob(sql: string, options: Partial<SqlPlannerOptions> = {}): Extract<SqlStatementResult, { kind: "job" }> {
  const results = planSqlScript(sql, { parallelism: 1, output: { format: "json" }, ...options });
  const job = results.filter((r) => r.kind === "job").at(-1);
  if (job === undefined || job.kind !== "job") throw new Error("the script plans no job");
  return job;
}

/** Run the script's last job; the rows reaching its sink, in arrival order (per subtask). */
export async function runSql(sql: string, options: Partial<SqlPlannerOptions> = {}, execution: LocalExecutionOptions = {}): Promise<SqlRow[]> {
  return (await runSqlWithResult(sql, options, execution)).rows;
}

/** Like runSql, plus the number of records the job's operators dropped as late. */
export async function runSqlWithResult(sql: string, options: Partial<SqlPlannerOptions> = {}, execution: LocalExecutionOptions = {}): Promise<{ rows: SqlRow[]; late: number }> {
  const job = planJob(sql, options);
  const rows: SqlRow[] = [];
  const nodes = job.plan.nodes.map((n) => (n.kind.startsWith("sink:") ? { ...n, kind: "sink:collect", config: {} } : n));
  const sinkIds = nodes.filter((n) => n.kind === "sink:collect").map((n) => n.id);
  const functions = new Map(sinkIds.map((id) => [id, { onBatch: (values: readonly SqlRow[]) => void rows.push(...values) }]));
  const result = await executeLocally({ plan: { ...job.plan, nodes }, functions }, execution);
  let late = 0;
  for (const op of Object.values(result.operators)) late += op.counters["numLateRecordsDropped"] ?? 0;
  return { rows, late };
}
