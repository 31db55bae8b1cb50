/**
 * @module plan
 * The logical plan (what both front ends emit), its validation, operator chaining into a JobGraph,
 * EXPLAIN text and the plan hash. Imports only core.
 */
export * from "./logical-plan.ts";
export * from "./validate.ts";
export * from "./job-graph.ts";
export * from "./explain.ts";
export * from "./plan-hash.ts";
export * from "./restart-strategy-config.ts";
