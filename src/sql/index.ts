/**
 * @module sql
 * Bicycle's streaming SQL: parse (../grammar) -> AST (cst-to-ast.ts) -> bound, type-checked plan
 * (binder.ts, query-planner.ts) -> the same LogicalPlan the TypeScript API builds. `planSqlScript` is
 * the entry point the CLI and the REST API use.
 */
export { planSqlScript, type SqlJobColumn, type SqlPlannerOptions, type SqlStatementResult } from "./script-planner.ts";
export { SqlError } from "./errors.ts";
export { parseStatements } from "./cst-to-ast.ts";
