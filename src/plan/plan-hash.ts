/**
 * @module plan/plan-hash
 * A content hash of a plan's structure (nodes, kinds, uids, configs, edges; not parallelism), used to
 * check that state restored from a checkpoint belongs to the same job shape.
 */
import type { LogicalPlan } from "./logical-plan.ts";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function planHash(plan: LogicalPlan): string {
  const shape = {
    nodes: plan.nodes.map((n) => ({ id: n.id, uid: n.uid ?? n.id, kind: n.kind, config: n.config, key: n.key ?? null })),
    edges: plan.edges,
    maxParallelism: plan.maxParallelism,
  };
  return new Bun.CryptoHasher("sha256").update(canonical(shape)).digest("hex").slice(0, 32);
}
