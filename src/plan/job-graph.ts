/**
 * @module plan/job-graph
 * Operator chaining: turns a logical plan into a JobGraph whose vertices are chains of operators that
 * run in one task, one synchronous call stack per batch. An edge is chained (fused) when it is a
 * forward edge between nodes of equal parallelism and the target has no other input; every other
 * edge becomes a channel between tasks.
 */
import { validatePlan } from "./validate.ts";
import type { LogicalPlan, Partitioning, PlanEdge, PlanNode } from "./logical-plan.ts";

/** A chain of operators executed by one task per subtask. */
export interface JobVertex {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  /** The chain's first operator; its inputs are the vertex's inputs. */
  readonly headId: string;
  /** Every node of the chain, head first, in topological order. */
  readonly nodeIds: readonly string[];
}

/** A plan edge that crosses from one vertex to another (a channel per producer/consumer subtask pair). */
export interface JobEdge {
  readonly sourceVertex: string;
  readonly targetVertex: string;
  readonly sourceNode: string;
  readonly targetNode: string;
  readonly partitioning: Partitioning;
  readonly sideOutput?: string;
}

export interface JobGraph {
  readonly plan: LogicalPlan;
  readonly vertices: readonly JobVertex[];
  readonly edges: readonly JobEdge[];
  /** Edges fused inside a vertex. */
  readonly chainedEdges: readonly PlanEdge[];
  /** Node id -> id of the vertex holding it. */
  readonly vertexOf: ReadonlyMap<string, string>;
  readonly nodes: ReadonlyMap<string, PlanNode>;
}

export interface ChainingOptions {
  /** Fuse forward edges into chains (default true). Off, every operator is its own task. */
  readonly chaining?: boolean;
}

function isChainable(edge: PlanEdge, nodes: ReadonlyMap<string, PlanNode>, inputs: ReadonlyMap<string, number>): boolean {
  const source = nodes.get(edge.source)!;
  const target = nodes.get(edge.target)!;
  return edge.partitioning === "forward" && source.parallelism === target.parallelism && inputs.get(edge.target) === 1;
}

/** Validate the plan and group its nodes into chained vertices. */
export function buildJobGraph(plan: LogicalPlan, options: ChainingOptions = {}): JobGraph {
  const order = validatePlan(plan);
  const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
  const inputs = new Map<string, number>();
  for (const e of plan.edges) inputs.set(e.target, (inputs.get(e.target) ?? 0) + 1);
  const chaining = options.chaining ?? true;

  const chained = plan.edges.filter((e) => chaining && isChainable(e, nodes, inputs));
  const chainedInto = new Map(chained.map((e) => [e.target, e.source]));
  const vertexOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const id of order) {
    const from = chainedInto.get(id);
    const vertex = from === undefined ? id : vertexOf.get(from)!;
    vertexOf.set(id, vertex);
    if (!members.has(vertex)) members.set(vertex, []);
    members.get(vertex)!.push(id);
  }
  const vertices: JobVertex[] = [...members].map(([id, nodeIds]) => ({
    id,
    name: nodeIds.map((n) => nodes.get(n)!.name).join(" -> "),
    parallelism: nodes.get(id)!.parallelism,
    headId: id,
    nodeIds,
  }));
  const chainedSet = new Set(chained);
  const edges: JobEdge[] = plan.edges
    .filter((e) => !chainedSet.has(e))
    .map((e) => ({
      sourceVertex: vertexOf.get(e.source)!,
      targetVertex: vertexOf.get(e.target)!,
      sourceNode: e.source,
      targetNode: e.target,
      partitioning: e.partitioning,
      ...(e.sideOutput === undefined ? {} : { sideOutput: e.sideOutput }),
    }));
  return { plan, vertices, edges, chainedEdges: chained, vertexOf, nodes };
}
