/**
 * @module runtime/local-executor
 * Runs a job inside this process: every subtask of every vertex becomes a StreamTask, joined by
 * bounded LocalChannels with credit-based flow control. Used by `env.execute()`, `bicycle run` and
 * tests; the cluster's MiniCluster reuses the same task builder with remote channels where needed.
 *
 * Failure: the first task failure cancels every other task (their waits end with CancelledError) and
 * the job's promise rejects with that first failure, so nothing hangs.
 */
import { BicycleError, CancelledError, log, type MetricGroup } from "../core/index.ts";
import { buildJobGraph, type JobDefinition, type JobEdge, type JobGraph } from "../plan/index.ts";
import { MemoryStateBackend, type StateBackend } from "../state/index.ts";
import { DEFAULT_CHANNEL_CAPACITY, LocalChannel } from "./channels/local-channel.ts";
import { buildSubtask } from "./task/task-builder.ts";
import { JobRunControl, type StreamTask } from "./task/stream-task.ts";

export interface LocalExecutionOptions {
  /** Fuse forward edges into operator chains (default true). */
  readonly chaining?: boolean;
  /** Buffers (batches) each consumer grants per channel (default 4). */
  readonly channelCapacity?: number;
  readonly stateBackend?: StateBackend;
  /** Called with the run's control once tasks exist, so callers can cancel it. */
  readonly onStart?: (handle: RunningJob) => void;
}

/** Metrics of one operator, summed over its subtasks. */
export interface OperatorMetrics {
  readonly name: string;
  readonly parallelism: number;
  readonly counters: Readonly<Record<string, number>>;
}

export interface JobExecutionResult {
  readonly jobName: string;
  readonly durationMs: number;
  /** Per plan node id. */
  readonly operators: Readonly<Record<string, OperatorMetrics>>;
  /** Most data batches any channel held at once (bounded by the channel capacity). */
  readonly maxChannelBacklog: number;
}

export interface RunningJob {
  cancel(): void;
  /** Live metrics per node id, summed over subtasks. */
  metrics(): Record<string, OperatorMetrics>;
}

type Channels = LocalChannel<unknown>[][];

function createChannels(graph: JobGraph, capacity: number): Map<JobEdge, Channels> {
  const all = new Map<JobEdge, Channels>();
  for (const edge of graph.edges) {
    const producers = graph.vertices.find((v) => v.id === edge.sourceVertex)!.parallelism;
    const consumers = graph.vertices.find((v) => v.id === edge.targetVertex)!.parallelism;
    const grid: Channels = [];
    for (let p = 0; p < producers; p++) {
      const row: LocalChannel<unknown>[] = [];
      for (let c = 0; c < consumers; c++) row.push(new LocalChannel(capacity));
      grid.push(row);
    }
    all.set(edge, grid);
  }
  return all;
}

function sumMetrics(graph: JobGraph, groups: ReadonlyMap<string, MetricGroup>[]): Record<string, OperatorMetrics> {
  const out: Record<string, OperatorMetrics> = {};
  for (const node of graph.plan.nodes) {
    const counters: Record<string, number> = {};
    for (const perTask of groups) {
      const group = perTask.get(node.id);
      if (group === undefined) continue;
      for (const [k, v] of Object.entries(group.snapshot())) counters[k] = (counters[k] ?? 0) + v;
    }
    out[node.id] = { name: node.name, parallelism: node.parallelism, counters };
  }
  return out;
}

export async function executeLocally(job: JobDefinition, options: LocalExecutionOptions = {}): Promise<JobExecutionResult> {
  const started = performance.now();
  const graph = buildJobGraph(job.plan, options.chaining === undefined ? {} : { chaining: options.chaining });
  const channels = createChannels(graph, options.channelCapacity ?? DEFAULT_CHANNEL_CAPACITY);
  const control = new JobRunControl();
  const stateBackend = options.stateBackend ?? new MemoryStateBackend();
  const tasks: StreamTask[] = [];
  const metricGroups: ReadonlyMap<string, MetricGroup>[] = [];

  for (const vertex of graph.vertices) {
    for (let s = 0; s < vertex.parallelism; s++) {
      const built = buildSubtask({ graph, functions: job.functions, stateBackend, control }, vertex, s, {
        outputChannels: (edge) => {
          const row = channels.get(edge)![s]!;
          return edge.partitioning === "forward" ? [row[s]!] : row;
        },
        inputChannels: (edge) => {
          const grid = channels.get(edge)!;
          return edge.partitioning === "forward" ? [grid[s]![s]!] : grid.map((row) => row[s]!);
        },
      });
      tasks.push(built.task);
      metricGroups.push(built.metrics);
    }
  }
  log.debug(`job '${graph.plan.name}': ${graph.vertices.length} vertices, ${tasks.length} tasks`);
  options.onStart?.({ cancel: () => control.cancel(new CancelledError(`job '${graph.plan.name}' cancelled`)), metrics: () => sumMetrics(graph, metricGroups) });

  let failure: unknown = undefined;
  await Promise.all(
    tasks.map((task) =>
      task.run().catch((error: unknown) => {
        // The first task to fail decides the job's error; the rest were cancelled because of it.
        if (failure === undefined) failure = error;
        control.cancel(error);
      }),
    ),
  );
  if (failure !== undefined) {
    if (!(failure instanceof BicycleError)) log.debug(`job '${graph.plan.name}' failed: ${String(failure)}`);
    throw failure;
  }
  let maxBacklog = 0;
  for (const grid of channels.values()) for (const row of grid) for (const c of row) maxBacklog = Math.max(maxBacklog, c.highWater);
  const result: JobExecutionResult = {
    jobName: graph.plan.name,
    durationMs: performance.now() - started,
    operators: sumMetrics(graph, metricGroups),
    maxChannelBacklog: maxBacklog,
  };
  if (log.isEnabled("debug")) {
    for (const [id, m] of Object.entries(result.operators)) log.debug(`operator ${m.name} (${id}) x${m.parallelism}: ${JSON.stringify(m.counters)}`);
  }
  return result;
}
