/**
 * @module sql/plan-writer
 * Accumulates the nodes and edges of one SQL job's LogicalPlan, the same plan the TypeScript API builds
 * (so chaining, EXPLAIN, scheduling and state work unchanged). Edges into keyed nodes hash by the
 * node's key; others are forward when the parallelism matches and rebalance otherwise.
 */
import { PlanError } from "../core/index.ts";
import { validatePlan, type KeySpec, type LogicalPlan, type Partitioning, type PlanEdge, type PlanNode } from "../plan/index.ts";
import { reuseSubPlans } from "./sub-plan-reuse.ts";

export class PlanWriter {
  private readonly nodes: PlanNode[] = [];
  private readonly edges: PlanEdge[] = [];
  private counter = 0;

  constructor(readonly parallelism: number) {}

  /** Add a node and return its id. */
  add(kind: string, name: string, config: Record<string, unknown>, options: { parallelism?: number; keyFields?: readonly string[] } = {}): string {
    const id = `${kind.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${++this.counter}`;
    const key: KeySpec | undefined = options.keyFields === undefined ? undefined : { type: "fields", fields: [...options.keyFields] };
    this.nodes.push({ id, kind, name, parallelism: options.parallelism ?? this.parallelism, config: config as PlanNode["config"], ...(key === undefined ? {} : { key }) });
    return id;
  }

  parallelismOf(id: string): number {
    return this.node(id).parallelism;
  }

  /** Connect `source` to `target`: hash into keyed nodes, else forward or rebalance by parallelism. */
  connect(source: string, target: string): void {
    const t = this.node(target);
    let partitioning: Partitioning;
    if (t.key !== undefined) partitioning = "hash";
    else partitioning = this.node(source).parallelism === t.parallelism ? "forward" : "rebalance";
    this.edges.push({ source, target, partitioning });
  }

  private node(id: string): PlanNode {
    const n = this.nodes.find((x) => x.id === id);
    if (n === undefined) throw new PlanError(`internal: no plan node '${id}'`);
    return n;
  }

  /** The job's plan, with identical sub-plans computed once unless `reuseSubPlans` is false. */
  build(name: string, maxParallelism: number, options: { reuseSubPlans?: boolean } = {}): LogicalPlan {
    let plan: LogicalPlan = { name, maxParallelism, nodes: this.nodes, edges: this.edges };
    if (options.reuseSubPlans !== false) plan = reuseSubPlans(plan);
    validatePlan(plan);
    return plan;
  }
}
