/**
 * @module operators/key-selector
 * Builds the key extractor of a keyed node from its KeySpec: the user's function, or named fields
 * (one field -> that value; several -> an array, hashed by its JSON form).
 */
import { PlanError } from "../core/index.ts";
import type { PlanNode } from "../plan/index.ts";
import type { Fns } from "./user-function.ts";

export type KeySelector<T = unknown, K = unknown> = (value: T) => K;

export function createKeySelector(node: PlanNode, fns: Fns): KeySelector {
  const spec = node.key;
  if (spec === undefined) throw new PlanError(`operator '${node.name}' (${node.id}) is not keyed; call keyBy() first`);
  if (spec.type === "udf") {
    const fn = fns.key;
    if (typeof fn !== "function") throw new PlanError(`keyed operator '${node.name}' (${node.id}) has no key function`);
    return fn as KeySelector;
  }
  const fields = spec.fields;
  if (fields.length === 1) {
    const f = fields[0]!;
    return (v) => (v as Record<string, unknown>)[f];
  }
  return (v) => fields.map((f) => (v as Record<string, unknown>)[f]);
}
