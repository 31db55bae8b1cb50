/**
 * @module operators/user-function
 * Reads user functions and data from a node's UserFunctions entry with a clear error when missing.
 */
import { PlanError } from "../core/index.ts";
import type { PlanNode } from "../plan/index.ts";

export type Fns = Readonly<Record<string, unknown>>;

export function requireFunction<F extends (...args: never[]) => unknown>(node: PlanNode, fns: Fns, name: string): F {
  const fn = fns[name];
  if (typeof fn !== "function") {
    throw new PlanError(`operator '${node.name}' (${node.id}) needs a function '${name}', but none was provided`);
  }
  return fn as F;
}

export function requireObject<O extends object>(node: PlanNode, fns: Fns, name: string): O {
  const obj = fns[name];
  if (obj === null || typeof obj !== "object") {
    throw new PlanError(`operator '${node.name}' (${node.id}) needs '${name}', but none was provided`);
  }
  return obj as O;
}
