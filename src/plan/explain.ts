/**
 * @module plan/explain
 * Human-readable text of a JobGraph: vertices (chained operators, parallelism) and the edges between
 * them. The TypeScript API's `explain()` and SQL's EXPLAIN print the same text.
 */
import type { JobGraph } from "./job-graph.ts";

export function explainJobGraph(graph: JobGraph): string {
  const lines = [`Job '${graph.plan.name}' (maxParallelism ${graph.plan.maxParallelism})`];
  for (const vertex of graph.vertices) {
    lines.push(`  [${vertex.id}] parallelism=${vertex.parallelism}`);
    for (const nodeId of vertex.nodeIds) {
      const node = graph.nodes.get(nodeId)!;
      const config = Object.entries(node.config)
        .filter(([, v]) => v !== null && typeof v !== "object")
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(", ");
      lines.push(`    ${node.name} (${node.kind}${config ? `: ${config}` : ""})`);
    }
    for (const edge of graph.edges.filter((e) => e.sourceVertex === vertex.id)) {
      const side = edge.sideOutput === undefined ? "" : ` side-output '${edge.sideOutput}'`;
      lines.push(`    --${edge.partitioning}${side}--> [${edge.targetVertex}]`);
    }
  }
  return lines.join("\n");
}
