/**
 * @module cluster/deployment
 * The attempt descriptor: everything a worker needs to run its part of one execution attempt of a job,
 * sent as JSON in DeployTasks (validated here) and identical for every worker of the attempt.
 *
 * Channel numbering. Every (edge, producer subtask, consumer subtask) of an attempt gets a data-plane
 * channel id, computed the same way on every worker from the graph and `channelBase` (a block the
 * JobManager allocates per attempt, never reused, so frames of a cancelled attempt can never reach the
 * next one):
 *
 *   id = channelBase + offset(edge) + producer * consumerParallelism + consumer
 *
 * where offset(edge) sums producerParallelism * consumerParallelism over the edges before it
 * (forward edges use only the producer == consumer entries of their block). Since the placement says
 * where every task runs, each worker derives the routes of the channels that touch its tasks without
 * asking anyone: producer and consumer in the same slot -> an in-thread LocalChannel; otherwise the
 * frames travel through the worker's router to the other slot or over the TCP link to the other worker.
 */
import { z } from "zod";
import { rpc } from "../network/index.ts";
import type { JobEdge, JobGraph, JobVertex } from "../plan/index.ts";

/** Stable task id of a subtask: the same in every attempt, so checkpoints map back. */
export const taskIdOf = (vertexId: string, subtask: number): string => `${vertexId}#${subtask}`;

const nonEmpty = z.string().min(1);

export const TaskPlacementSchema = z.object({ workerId: nonEmpty, slot: z.number().int().nonnegative() });
export const WorkerAddressSchema = z.object({ host: nonEmpty, dataPort: z.number().int().min(1).max(65535) });

/** Runtime settings of the job's tasks (the job options that matter on workers). */
export const TaskOptionsSchema = z.object({
  chaining: z.boolean(),
  channelCapacity: z.number().int().min(1),
  alignmentTimeoutMs: z.number().int().nonnegative(),
  stateBackend: z.enum(["memory", "sqlite", "rocksdb"]),
});

export const AttemptDescriptorSchema = z.object({
  jobId: nonEmpty,
  jobName: nonEmpty,
  attempt: z.number().int().positive(),
  /** The LogicalPlan as JSON: workers rebuild the JobGraph from it. */
  planJson: nonEmpty,
  /** sha256 of the job bundle (TypeScript jobs), fetched from the JobManager when not cached. */
  bundleHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  /** The plan hash the bundle must reproduce (a job whose builder is not deterministic is refused). */
  planHash: nonEmpty,
  options: TaskOptionsSchema,
  /** The job's StreamEnvironment options as JSON: a bundle is rebuilt with them, so it makes the same plan. */
  envOptionsJson: z.string(),
  channelBase: z.number().int().positive(),
  placement: z.record(z.string(), TaskPlacementSchema),
  workers: z.record(z.string(), WorkerAddressSchema),
  /** The job's checkpoint directory (shared storage: every worker writes its task state there). */
  checkpointDir: nonEmpty,
  /** Checkpoint or savepoint to restore from, or null for a fresh start. */
  restore: z.object({ dir: nonEmpty, checkpointId: z.number().int().positive() }).nullable(),
});

export type TaskPlacement = z.output<typeof TaskPlacementSchema>;
export type TaskOptions = z.output<typeof TaskOptionsSchema>;
export type AttemptDescriptor = z.output<typeof AttemptDescriptorSchema>;

/** One data channel of an attempt. */
export interface ChannelSpec {
  readonly id: number;
  readonly edge: JobEdge;
  readonly producerTask: string;
  readonly consumerTask: string;
  readonly producerSubtask: number;
  readonly consumerSubtask: number;
}

/** How many channel ids an attempt of `graph` uses (the size of the block to allocate). */
export function channelCount(graph: JobGraph): number {
  const parallelism = new Map(graph.vertices.map((v) => [v.id, v.parallelism]));
  let total = 0;
  for (const edge of graph.edges) total += parallelism.get(edge.sourceVertex)! * parallelism.get(edge.targetVertex)!;
  return Math.max(1, total);
}

/** Every channel of an attempt, numbered as described in the module comment. */
export function channelsOf(graph: JobGraph, channelBase: number): ChannelSpec[] {
  const parallelism = new Map(graph.vertices.map((v) => [v.id, v.parallelism]));
  const channels: ChannelSpec[] = [];
  let offset = 0;
  for (const edge of graph.edges) {
    const producers = parallelism.get(edge.sourceVertex)!;
    const consumers = parallelism.get(edge.targetVertex)!;
    for (let p = 0; p < producers; p++) {
      for (let c = 0; c < consumers; c++) {
        if (edge.partitioning === "forward" && p !== c) continue;
        channels.push({
          id: channelBase + offset + p * consumers + c,
          edge,
          producerTask: taskIdOf(edge.sourceVertex, p),
          consumerTask: taskIdOf(edge.targetVertex, c),
          producerSubtask: p,
          consumerSubtask: c,
        });
      }
    }
    offset += producers * consumers;
  }
  return channels;
}

/** Every task id of the graph, vertex by vertex. */
export function taskIdsOf(graph: JobGraph): string[] {
  return graph.vertices.flatMap((v: JobVertex) => Array.from({ length: v.parallelism }, (_, s) => taskIdOf(v.id, s)));
}

/** Parse a DeployTasks descriptor; a bad one is an InvalidArgumentError naming every bad field. */
export function parseAttemptDescriptor(json: string): AttemptDescriptor {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new rpc.InvalidArgumentError(`attempt descriptor is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = AttemptDescriptorSchema.safeParse(value);
  if (!result.success) {
    throw new rpc.InvalidArgumentError(`invalid attempt descriptor: ${result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  return result.data;
}
