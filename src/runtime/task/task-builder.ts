/**
 * @module runtime/task/task-builder
 * Builds the StreamTask of one subtask of a vertex: instantiates every chained operator (sources and
 * sinks from the connector registry, the rest from the operator registry) with its context, keyed
 * state and timers, wires chained outputs (main and side outputs) and RecordWriters for edges that
 * leave the vertex. Channels come from the caller, so the same builder serves local and remote wiring.
 */
import { keyGroupOf, keyGroupRangeFor, MetricGroup, PlanError } from "../../core/index.ts";
import type { OperatorContext, RecordBatch, TaskLocation } from "../../core/index.ts";
import { createSink, createSource, isSinkKind, isSourceKind, timestampFieldReader } from "../../connectors/index.ts";
import { createKeySelector, createOperator, type Fns } from "../../operators/index.ts";
import type { JobEdge, JobGraph, JobVertex, UserFunctions } from "../../plan/index.ts";
import type { KeyedStateBackend, StateBackend } from "../../state/index.ts";
import type { InputChannel, OutputChannel } from "../channels/local-channel.ts";
import { KeyedTimerService } from "../time/timer-service.ts";
import type { WatermarkSpec } from "../time/watermark-generator.ts";
import { ChainedOperator } from "./chained-operator.ts";
import { InputStreamTask } from "./input-stream-task.ts";
import { RecordWriter, type OutputBuffering } from "./record-writer.ts";
import { SourceStreamTask } from "./source-stream-task.ts";
import type { JobRunControl, StreamTask, TaskCheckpointing } from "./stream-task.ts";
import type { RestoreState } from "../checkpointing/task-snapshot.ts";

export interface SubtaskWiring {
  /** Producer side of edge `edge` from this subtask: one channel per consumer subtask it may reach. */
  outputChannels(edge: JobEdge): OutputChannel<unknown>[];
  /** Consumer side: every channel of `edge` that ends at this subtask. */
  inputChannels(edge: JobEdge): InputChannel<unknown>[];
  /** Output buffering for `edge` (edges that cross threads or processes); none when absent or null. */
  outputBuffering?(edge: JobEdge): OutputBuffering | null;
}

export interface BuiltTask {
  readonly task: StreamTask;
  /** Metrics per node id of this subtask. */
  readonly metrics: ReadonlyMap<string, MetricGroup>;
}

export interface TaskBuildContext {
  readonly graph: JobGraph;
  readonly functions: UserFunctions;
  readonly stateBackend: StateBackend;
  readonly control: JobRunControl;
  /** State to start from (a checkpoint or savepoint), or null for a fresh start. */
  readonly restore: RestoreState | null;
  checkpointingFor(vertex: JobVertex, subtask: number): TaskCheckpointing;
}

const NO_FNS: Fns = {};

/** The identity operator standing for a source at the head of its chain (counts what it emits). */
const SOURCE_HEAD = { processBatch: (batch: never, out: { emit(b: never): void }) => out.emit(batch) };

export async function buildSubtask(ctx: TaskBuildContext, vertex: JobVertex, subtask: number, wiring: SubtaskWiring): Promise<BuiltTask> {
  const { graph, functions, control } = ctx;
  const plan = graph.plan;
  const maxParallelism = plan.maxParallelism;
  const chained = new Map<string, ChainedOperator>();
  const metrics = new Map<string, MetricGroup>();
  const writers: RecordWriter[] = [];
  // Timers restored before the task exists are scheduled once it does.
  const early: number[] = [];
  let scheduleProcessingTime: (ts: number) => void = (ts) => void early.push(ts);

  for (const nodeId of vertex.nodeIds) {
    const node = graph.nodes.get(nodeId)!;
    const fns = functions.get(nodeId) ?? NO_FNS;
    const location: TaskLocation = { operatorId: node.uid ?? node.id, operatorName: node.name, subtaskIndex: subtask, parallelism: vertex.parallelism };
    const group = new MetricGroup({ node: node.id, name: node.name, subtask });
    metrics.set(nodeId, group);
    let store: KeyedStateBackend | null = null;
    if (node.key !== undefined) {
      store = await ctx.stateBackend.createKeyedBackend({
        operatorId: location.operatorId,
        keyGroupRange: keyGroupRangeFor(subtask, vertex.parallelism, maxParallelism),
        maxParallelism,
      });
    }
    const timers = new KeyedTimerService(store, (ts) => scheduleProcessingTime(ts), node.name);
    const context: OperatorContext = {
      location,
      maxParallelism,
      metrics: group,
      keyedState: () => {
        if (store === null) throw new PlanError(`operator '${node.name}' (${node.id}) is not keyed: keyed state needs keyBy() first`);
        return store;
      },
      timerService: () => timers,
    };
    const operator = isSourceKind(node.kind)
      ? (SOURCE_HEAD as never)
      : isSinkKind(node.kind)
        ? createSink(node, fns)
        : createOperator(node, fns);
    const op = new ChainedOperator(operator, context, timers, store);
    if (ctx.restore !== null) op.restore(ctx.restore.operatorStates(op.uid));
    chained.set(nodeId, op);
  }

  // Fused edges inside the vertex.
  for (const edge of graph.chainedEdges) {
    const from = chained.get(edge.source);
    const to = chained.get(edge.target);
    if (from === undefined || to === undefined) continue;
    addDownstream(from, edge.sideOutput, to);
  }
  // Edges leaving the vertex.
  for (const edge of graph.edges) {
    if (edge.sourceVertex !== vertex.id) continue;
    const target = graph.nodes.get(edge.targetNode)!;
    const keyOf = edge.partitioning === "hash" ? createKeySelector(target, functions.get(target.id) ?? NO_FNS) : null;
    const writer = new RecordWriter(wiring.outputChannels(edge), edge.partitioning, keyOf, maxParallelism, subtask, wiring.outputBuffering?.(edge) ?? null);
    writers.push(writer);
    addDownstream(chained.get(edge.sourceNode)!, edge.sideOutput, writer);
  }

  const chain = vertex.nodeIds.map((id) => chained.get(id)!);
  const head = graph.nodes.get(vertex.headId)!;
  const taskName = `${vertex.name} (${subtask + 1}/${vertex.parallelism})`;
  const taskMetrics = metrics.get(vertex.headId)!;
  let task: StreamTask;
  const checkpointing = ctx.checkpointingFor(vertex, subtask);
  if (isSourceKind(head.kind)) {
    const fns = functions.get(head.id) ?? NO_FNS;
    const source = createSource(head, fns);
    if (ctx.restore !== null && source.restoreState) {
      const states = ctx.restore.operatorStates(chain[0]!.uid).map((s) => s.operator);
      if (states.length > 0) source.restoreState(states, chain[0]!.location);
    }
    const timestampOf = typeof fns.timestamps === "function" ? (fns.timestamps as (v: unknown) => number) : timestampFieldReader(head);
    const watermarks = (head.config.watermarks ?? null) as WatermarkSpec | null;
    task = new SourceStreamTask(taskName, chain, writers, control, taskMetrics, checkpointing, {
      source,
      context: { location: chain[0]!.location, metrics: taskMetrics, maxParallelism },
      timestampOf,
      watermarks,
    });
  } else {
    const inputs = graph.edges.filter((e) => e.targetVertex === vertex.id).flatMap((e) => wiring.inputChannels(e));
    if (inputs.length === 0) throw new PlanError(`vertex '${vertex.name}' has no inputs and is not a source`);
    const replay = ctx.restore === null ? [] : channelStateFor(ctx.restore, chain[0]!, vertex, subtask, head.key !== undefined ? createKeySelector(head, functions.get(head.id) ?? NO_FNS) : null, maxParallelism);
    task = new InputStreamTask(taskName, chain, writers, control, taskMetrics, checkpointing, inputs, replay);
  }
  scheduleProcessingTime = task.scheduleProcessingTime;
  for (const ts of early) scheduleProcessingTime(ts);
  return { task, metrics };
}

/**
 * The in-flight records of an unaligned checkpoint that this subtask must replay. With an unchanged
 * parallelism that is its own recording; after rescaling, a keyed head takes the records whose key
 * groups it now owns from every old subtask, a non-keyed head the recordings of old subtasks
 * `i` with `i % parallelism === subtask`.
 */
function channelStateFor(
  restore: RestoreState,
  head: ChainedOperator,
  vertex: JobVertex,
  subtask: number,
  keyOf: ((v: unknown) => unknown) | null,
  maxParallelism: number,
): RecordBatch<unknown>[] {
  const recorded = restore.channelStates(head.uid);
  if (recorded.length === 0) return [];
  if (keyOf === null) return recorded.filter((r) => r.subtask % vertex.parallelism === subtask).flatMap((r) => [...r.batches]);
  const range = keyGroupRangeFor(subtask, vertex.parallelism, maxParallelism);
  const out: RecordBatch<unknown>[] = [];
  for (const r of recorded) {
    for (const batch of r.batches) {
      const values: unknown[] = [];
      const timestamps: number[] = [];
      batch.values.forEach((v, i) => {
        const g = keyGroupOf(keyOf(v), maxParallelism);
        if (g >= range.start && g <= range.end) {
          values.push(v);
          timestamps.push(batch.timestamps[i]!);
        }
      });
      if (values.length > 0) out.push({ values, timestamps });
    }
  }
  return out;
}

function addDownstream(from: ChainedOperator, sideOutput: string | undefined, to: ChainedOperator | RecordWriter): void {
  if (sideOutput === undefined) {
    from.output.main.push(to);
    return;
  }
  let list = from.output.sides.get(sideOutput);
  if (list === undefined) {
    list = [];
    from.output.sides.set(sideOutput, list);
  }
  list.push(to);
}

