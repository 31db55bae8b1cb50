/**
 * @module sql/sub-plan-reuse
 * Common sub-plan elimination for SQL jobs (Flink's `table.optimizer.reuse-sub-plan-enabled`, on by
 * default there too). A query that names the same subquery twice, like Nexmark q5 (bid counts per
 * auction and window, once for the join's left side and once under the per-window MAX), plans two
 * identical chains: two generators, two window aggregates. Computing the chain once and feeding both
 * consumers halves that work and that state.
 *
 * Two nodes are the same computation when their kind, name, parallelism, key, config and inputs (the
 * same source nodes, partitionings and side outputs, in the same order) are equal. Inputs are compared
 * after earlier merges, so identical chains collapse from the sources down, one node per round until
 * nothing changes. Never merged:
 * - sinks: each is an output of its own (two INSERTs into one table write twice);
 * - nodes with a `uid` (state mapping names them on purpose);
 * - nodes whose config calls `current_timestamp`: two calls may see different clocks, so the copies
 *   are not the same computation;
 * - two nodes feeding one consumer (`SELECT .. UNION ALL SELECT ..` of one subquery): the consumer must
 *   see every row twice, and one node on one edge would send it once.
 * The surviving node keeps its id (the first in plan order), so ids of the rest of the plan and with
 * them checkpoint state mapping are unchanged; the merged node's consumers are wired to it.
 */
import type { LogicalPlan, PlanEdge, PlanNode } from "../plan/index.ts";

/** Whether `node` may stand in for an identical node or be replaced by one. */
function mergeable(node: PlanNode): boolean {
  if (node.kind.startsWith("sink:") || node.uid !== undefined) return false;
  return !JSON.stringify(node.config).includes('"fn":"current_timestamp"');
}

/** The plan with identical sub-plans computed once (see the module comment); `plan` is not changed. */
export function reuseSubPlans(plan: LogicalPlan): LogicalPlan {
  let nodes: PlanNode[] = [...plan.nodes];
  let edges: PlanEdge[] = [...plan.edges];
  for (;;) {
    const merge = findMerge(nodes, edges);
    if (merge === null) return { ...plan, nodes, edges };
    const { keep, drop } = merge;
    nodes = nodes.filter((n) => n.id !== drop);
    edges = edges.filter((e) => e.target !== drop).map((e) => (e.source === drop ? { ...e, source: keep } : e));
  }
}

/** The first pair of identical nodes that may merge: `drop` is rewired to `keep`; null when none. */
function findMerge(nodes: readonly PlanNode[], edges: readonly PlanEdge[]): { keep: string; drop: string } | null {
  const first = new Map<string, string>();
  for (const node of nodes) {
    if (!mergeable(node)) continue;
    const inputs = edges.filter((e) => e.target === node.id).map((e) => [e.source, e.partitioning, e.sideOutput ?? null]);
    const signature = JSON.stringify([node.kind, node.name, node.parallelism, node.key ?? null, node.config, inputs]);
    const keep = first.get(signature);
    if (keep === undefined) {
      first.set(signature, node.id);
      continue;
    }
    const consumers = new Set(edges.filter((e) => e.source === keep).map((e) => e.target));
    if (edges.some((e) => e.source === node.id && consumers.has(e.target))) continue;
    return { keep, drop: node.id };
  }
  return null;
}
