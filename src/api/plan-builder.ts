/**
 * @module api/plan-builder
 * Accumulates the nodes, edges and user functions a StreamEnvironment's pipeline defines, and turns
 * them into a JobDefinition. Edges created without an explicit partitioning become `forward` when both
 * ends have the same parallelism and `rebalance` otherwise, decided at build time because
 * setParallelism may be called after the edge was made (as in Flink).
 */
import type { JobDefinition, KeySpec, Partitioning, PlanEdge, PlanNode } from "../plan/index.ts";
import { validatePlan } from "../plan/index.ts";
import { PlanError } from "../core/index.ts";

type JsonConfig = PlanNode["config"];

export interface MutableNode {
  id: string;
  uid: string | undefined;
  kind: string;
  name: string;
  parallelism: number;
  config: JsonConfig;
  /**
   * Nodes whose parallelism this one follows unless set explicitly (a side output follows its operator,
   * a union the largest of its inputs). Resolved at build time, since setParallelism may come later.
   */
  inheritFrom: string[] | undefined;
  /** True once setParallelism was called on this node. */
  explicitParallelism: boolean;
  key: KeySpec | undefined;
}

interface MutableEdge {
  source: string;
  target: string;
  partitioning: Partitioning | "default";
  sideOutput: string | undefined;
}

export class PlanBuilder {
  private readonly nodes: MutableNode[] = [];
  private readonly edges: MutableEdge[] = [];
  private readonly functions = new Map<string, Record<string, unknown>>();
  private counter = 0;

  constructor(
    private readonly defaultParallelism: () => number,
    /** The job's checkpoint interval (ms, 0 = off), for sinks that validate against it (Kafka transaction timeout). */
    readonly checkpointInterval: () => number = () => 0,
  ) {}

  addNode(kind: string, name: string, config: JsonConfig, fns: Record<string, unknown> = {}, key?: KeySpec): MutableNode {
    const id = `${kind.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${++this.counter}`;
    const node: MutableNode = { id, uid: undefined, kind, name, parallelism: this.defaultParallelism(), config, key, inheritFrom: undefined, explicitParallelism: false };
    this.nodes.push(node);
    if (Object.keys(fns).length > 0) this.functions.set(id, fns);
    return node;
  }

  addEdge(source: MutableNode, target: MutableNode, partitioning: Partitioning | "default", sideOutput?: string): void {
    this.edges.push({ source: source.id, target: target.id, partitioning, sideOutput });
  }

  node(id: string): MutableNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  build(name: string, maxParallelism: number): JobDefinition {
    if (this.nodes.length === 0) throw new PlanError(`job '${name}' defines no operators: add a source and a sink before executing`);
    const byId = new Map(this.nodes.map((n) => [n.id, n]));
    const resolved = new Map<string, number>();
    const parallelismOf = (n: MutableNode): number => {
      let p = resolved.get(n.id);
      if (p === undefined) {
        p = n.explicitParallelism || n.inheritFrom === undefined ? n.parallelism : Math.max(...n.inheritFrom.map((id) => parallelismOf(byId.get(id)!)));
        resolved.set(n.id, p);
      }
      return p;
    };
    for (const n of this.nodes) n.parallelism = parallelismOf(n);
    const nodes: PlanNode[] = this.nodes.map((n) => ({
      id: n.id,
      ...(n.uid === undefined ? {} : { uid: n.uid }),
      kind: n.kind,
      name: n.name,
      parallelism: n.parallelism,
      config: n.config,
      ...(n.key === undefined ? {} : { key: n.key }),
    }));
    const edges: PlanEdge[] = this.edges.map((e) => {
      let partitioning = e.partitioning;
      if (partitioning === "default") partitioning = byId.get(e.source)!.parallelism === byId.get(e.target)!.parallelism ? "forward" : "rebalance";
      return { source: e.source, target: e.target, partitioning, ...(e.sideOutput === undefined ? {} : { sideOutput: e.sideOutput }) };
    });
    const plan = { name, maxParallelism, nodes, edges };
    validatePlan(plan);
    return { plan, functions: new Map(this.functions) };
  }
}
