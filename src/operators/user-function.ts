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

/**
 * A user function object for one subtask. Parallel subtasks in one process must not share an instance
 * (each `open` would overwrite the fields of the others), so every subtask gets a shallow copy with the
 * same prototype, as Flink gives each subtask its own deserialized copy. Fields set in `open` are
 * therefore per subtask; objects created in a constructor are shared, so create them in `open`.
 */
export function instantiate<O extends object>(obj: O): O {
  return Object.assign(Object.create(Object.getPrototypeOf(obj) as object | null) as O, obj);
}

export function requireObject<O extends object>(node: PlanNode, fns: Fns, name: string): O {
  const obj = fns[name];
  if (obj === null || typeof obj !== "object") {
    throw new PlanError(`operator '${node.name}' (${node.id}) needs '${name}', but none was provided`);
  }
  return instantiate(obj as O);
}
