/**
 * @module plan/logical-plan
 * The logical plan both front ends (the TypeScript API and SQL) produce: operator nodes with a JSON
 * config and a parallelism, joined by edges that say how records are partitioned. Pure data, validated
 * by a zod schema, so it round-trips through JSON and crosses process boundaries unchanged. User
 * functions never live in the plan: they travel beside it, found by node id (see UserFunctions).
 */
import { z } from "zod";

/** How records cross an edge between two operators. */
export const PARTITIONINGS = ["forward", "hash", "rebalance", "broadcast"] as const;
export type Partitioning = (typeof PARTITIONINGS)[number];

/** How a keyed node finds the key of a record: a user function, or named fields (SQL). */
export const keySpecSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("udf") }),
  z.object({ type: z.literal("fields"), fields: z.array(z.string()).min(1) }),
]);
export type KeySpec = z.infer<typeof keySpecSchema>;

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const planNodeSchema = z.object({
  id: z.string().min(1),
  /** Stable id for state mapping across job versions (`uid(...)`); defaults to `id`. */
  uid: z.string().min(1).optional(),
  /** Operator kind, resolved by the operator or connector registry (e.g. "map", "source:elements"). */
  kind: z.string().min(1),
  name: z.string().min(1),
  parallelism: z.number().int().positive(),
  config: z.record(z.string(), jsonValue),
  /** Present on keyed nodes: the key of each record. Hash edges into the node partition by it. */
  key: keySpecSchema.optional(),
});
export type PlanNode = z.infer<typeof planNodeSchema>;

export const planEdgeSchema = z.object({
  source: z.string().min(1),
  target: z.string().min(1),
  partitioning: z.enum(PARTITIONINGS),
  /** Set when the edge carries a side output (OutputTag id) of the source rather than its main output. */
  sideOutput: z.string().min(1).optional(),
});
export type PlanEdge = z.infer<typeof planEdgeSchema>;

export const logicalPlanSchema = z.object({
  name: z.string().min(1),
  maxParallelism: z.number().int().positive().max(32768),
  nodes: z.array(planNodeSchema).min(1),
  edges: z.array(planEdgeSchema),
});
export type LogicalPlan = z.infer<typeof logicalPlanSchema>;

/**
 * Functions and non-JSON data (elements of `fromElements`, collect handles) of each node, keyed by
 * node id. In one process they sit beside the plan; a shipped TS job rebuilds them on each worker.
 */
export type UserFunctions = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** A plan plus the user functions its nodes refer to: what an executor runs. */
export interface JobDefinition {
  readonly plan: LogicalPlan;
  readonly functions: UserFunctions;
}
