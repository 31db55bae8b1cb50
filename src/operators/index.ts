/**
 * @module operators
 * Operator implementations (map, filter, flatMap, process, keyed reduce, windows, SQL) and the registry the
 * runtime instantiates them from. Imports core, plan and state only; never runtime.
 */
export * from "./collector.ts";
export * from "./key-selector.ts";
export * from "./registry.ts";
export { instantiate, type Fns } from "./user-function.ts";
export * from "./process/functions.ts";
export * from "./window/aggregates.ts";
export * from "./window/assigners.ts";
export { LATE_RECORDS_METRIC, type ProcessWindowFunction } from "./window/window-operator.ts";
export * from "./sql/ir.ts";
export { compileExpression, compilePredicate, compileProjection, SqlExecutionError } from "./sql/expression-compiler.ts";
