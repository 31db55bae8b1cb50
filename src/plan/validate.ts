/**
 * @module plan/validate
 * Structural checks of a logical plan beyond its JSON shape: ids unique, edges between known nodes,
 * no cycles, forward edges only between equal parallelism, hash edges only into keyed nodes.
 * Returns the plan in topological order.
 */
import { PlanError } from "../core/index.ts";
import { logicalPlanSchema, type LogicalPlan, type PlanNode } from "./logical-plan.ts";

/** Parse and validate untrusted plan JSON; errors name the offending path. */
export function parsePlan(json: unknown): LogicalPlan {
  const parsed = logicalPlanSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new PlanError(`invalid plan: ${issues}`);
  }
  validatePlan(parsed.data);
  return parsed.data;
}

/** Throws PlanError on the first structural problem; returns node ids in topological order. */
export function validatePlan(plan: LogicalPlan): string[] {
  const byId = new Map<string, PlanNode>();
  for (const node of plan.nodes) {
    if (byId.has(node.id)) throw new PlanError(`plan '${plan.name}': duplicate node id '${node.id}'`);
    if (node.parallelism > plan.maxParallelism) {
      throw new PlanError(
        `plan '${plan.name}': node '${node.name}' (${node.id}) has parallelism ${node.parallelism} above maxParallelism ${plan.maxParallelism}`,
      );
    }
    byId.set(node.id, node);
  }
  const uids = new Set<string>();
  for (const node of plan.nodes) {
    const uid = node.uid ?? node.id;
    if (uids.has(uid)) throw new PlanError(`plan '${plan.name}': operator uid '${uid}' is used twice`);
    uids.add(uid);
  }
  const indegree = new Map<string, number>(plan.nodes.map((n) => [n.id, 0]));
  for (const edge of plan.edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (source === undefined) throw new PlanError(`plan '${plan.name}': edge from unknown node '${edge.source}'`);
    if (target === undefined) throw new PlanError(`plan '${plan.name}': edge to unknown node '${edge.target}'`);
    if (edge.partitioning === "forward" && source.parallelism !== target.parallelism) {
      throw new PlanError(
        `plan '${plan.name}': forward edge ${source.name} -> ${target.name} joins parallelism ${source.parallelism} to ${target.parallelism}; use rebalance() or keyBy()`,
      );
    }
    if (edge.partitioning === "hash" && target.key === undefined) {
      throw new PlanError(`plan '${plan.name}': hash edge into '${target.name}', which has no key`);
    }
    indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
  }
  // Kahn's algorithm: the order is also the order operators are instantiated in.
  const order: string[] = [];
  const ready = plan.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const edge of plan.edges) {
      if (edge.source !== id) continue;
      const left = indegree.get(edge.target)! - 1;
      indegree.set(edge.target, left);
      if (left === 0) ready.push(edge.target);
    }
  }
  if (order.length !== plan.nodes.length) throw new PlanError(`plan '${plan.name}' has a cycle`);
  return order;
}
