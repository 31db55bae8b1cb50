/**
 * @module cluster/worker/slot-runtime
 * What runs inside one slot (its own thread): builds the tasks of a job attempt placed in this slot,
 * joins them with channels, runs them, and takes part in checkpoints.
 *
 * Channels. A channel whose producer and consumer tasks are both in this slot is a LocalChannel. A
 * channel to another slot of the same worker is one end of a ChannelConnection over a direct port between
 * the two slot threads (no hop through the main thread). Every other channel is one end of the
 * ChannelConnection over the slot's port to the worker's main thread, whose FrameRouter forwards its
 * frames over TCP to the other worker, with credits flowing back the same way. Backpressure is the same
 * credit protocol end to end, whatever the distance.
 *
 * Checkpoints (task side of Chandy-Lamport). The JobManager's trigger reaches the slots of the attempt;
 * source tasks here inject barrier N. Every task of the slot snapshots when barrier N passes it (after
 * alignment), writes its snapshot file straight into the checkpoint (or savepoint) directory, which is
 * shared storage, and acknowledges {file, size, checksum} to the JobManager, which writes `_metadata`
 * once all tasks have acknowledged and then notifies completion (sinks commit on that).
 *
 * Failure. The first failing task cancels every task of the attempt in this slot and is reported as
 * `failed` with its message; the JobManager then cancels the attempt everywhere and restarts it from the
 * latest checkpoint. A task never throws out of this module: errors become task states.
 */
import { FsCheckpointStorage, type CheckpointStorage } from "../../checkpoint/index.ts";
import { CancelledError, describeError, log, type MetricGroup } from "../../core/index.ts";
import { ChannelConnection } from "../../network/index.ts";
import { PortSocket } from "../../network/index.ts";
import { buildJobGraph, type JobEdge, type JobGraph, type JobVertex, type LogicalPlan, type UserFunctions } from "../../plan/index.ts";
import {
  buildSubtask,
  encodeTaskSnapshot,
  JobRunControl,
  loadCheckpoint,
  LocalChannel,
  METRIC_RECORDS_IN,
  METRIC_RECORDS_OUT,
  SourceStreamTask,
  type InputChannel,
  type OutputChannel,
  type RestoreState,
  type StreamTask,
  type TaskCheckpointing,
  type TaskSnapshot,
} from "../../runtime/index.ts";
import { createStateBackend, type StateBackend } from "../../state/index.ts";
import { channelsOf, taskIdOf, type AttemptDescriptor, type ChannelSpec } from "../deployment.ts";
import type { JobLoader } from "../job-loader.ts";
import type { DeployMessage, MainToSlot, SlotPort, SlotTaskMetrics, SlotToMain } from "./slot-messages.ts";

const attemptKey = (jobId: string, attempt: number): string => `${jobId}/${attempt}`;

/**
 * Output buffering on edges that leave the slot (every message between threads has a fixed cost, far
 * above a LocalChannel push): up to this many records per channel, or this long, go as one batch.
 */
export const NETWORK_BUFFERING = { records: 1024, maxDelayMs: 10 } as const;
/** Remote channels grant this many times `channelCapacity` credits, to cover the round trip between threads. */
export const REMOTE_CREDIT_FACTOR = 4;

export interface SlotRuntimeOptions {
  readonly slotIndex: number;
  readonly loader: JobLoader;
  /** How often task metrics are sent to the main thread (default 1000 ms). */
  readonly metricsIntervalMs?: number;
}

/** The runtime of one slot; `port` leads to the worker's main thread. */
export class SlotRuntime {
  private readonly connection: ChannelConnection;
  /** Direct connections to the other slots of this worker, by slot index. */
  private readonly peers = new Map<number, ChannelConnection>();
  private readonly attempts = new Map<string, SlotAttempt>();
  private readonly metricsTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly port: SlotPort,
    private readonly options: SlotRuntimeOptions,
  ) {
    this.connection = new ChannelConnection(new PortSocket(port), { name: `slot ${options.slotIndex} data plane` });
    port.onmessage = (event) => this.onMessage(event.data as MainToSlot);
    this.metricsTimer = setInterval(() => this.sendMetrics(), options.metricsIntervalMs ?? 1000);
    this.post({ type: "ready" });
  }

  private post(message: SlotToMain): void {
    this.port.postMessage(message);
  }

  private onMessage(message: MainToSlot): void {
    switch (message.type) {
      case "frames":
        this.connection.handleData(new Uint8Array(message.bytes));
        return;
      case "deploy":
        void this.deploy(message);
        return;
      case "cancel":
        this.attempts.get(attemptKey(message.jobId, message.attempt))?.cancel(new CancelledError(message.reason));
        return;
      case "trigger":
        this.attempts.get(attemptKey(message.jobId, message.attempt))?.trigger(message);
        return;
      case "notify-complete":
        this.attempts.get(attemptKey(message.jobId, message.attempt))?.notifyComplete(message.checkpointId);
        return;
      case "notify-aborted":
        this.attempts.get(attemptKey(message.jobId, message.attempt))?.notifyAborted(message.checkpointId);
        return;
      case "peer-port": {
        const peer = new ChannelConnection(new PortSocket(message.port), { name: `slot ${this.options.slotIndex} <-> slot ${message.slot}` });
        message.port.onmessage = (event) => {
          const data = event.data as { type?: string; bytes?: ArrayBuffer };
          if (data.type === "frames" && data.bytes !== undefined) peer.handleData(new Uint8Array(data.bytes));
        };
        this.peers.set(message.slot, peer);
        return;
      }
      case "channels-failed":
        this.connection.failChannels(message.channelIds, message.message);
        return;
      case "shutdown":
        this.stop();
        return;
    }
  }

  /** Cancel every task and stop reporting (the worker is shutting down). */
  stop(): void {
    for (const attempt of this.attempts.values()) attempt.cancel(new CancelledError("the worker is shutting down"));
    clearInterval(this.metricsTimer);
  }

  private async deploy(message: DeployMessage): Promise<void> {
    const { descriptor } = message;
    const key = attemptKey(descriptor.jobId, descriptor.attempt);
    const attempt = new SlotAttempt(message, { main: this.connection, peers: this.peers }, (m) => this.post(m), this.options);
    this.attempts.set(key, attempt);
    try {
      await attempt.run();
    } finally {
      this.attempts.delete(key);
      this.post({ type: "attempt-ended", jobId: descriptor.jobId, attempt: descriptor.attempt });
    }
  }

  private sendMetrics(): void {
    const tasks: SlotTaskMetrics[] = [];
    for (const attempt of this.attempts.values()) tasks.push(...attempt.metrics());
    if (tasks.length > 0) this.post({ type: "metrics", tasks });
  }
}

/** The data-plane connections of a slot: to the main thread (other workers), and to each local peer slot. */
interface SlotConnections {
  readonly main: ChannelConnection;
  readonly peers: ReadonlyMap<number, ChannelConnection>;
}

/** A remote channel end and the connection it lives on. */
interface RemoteEnd {
  readonly id: number;
  readonly connection: ChannelConnection;
}

interface BuiltSlotTask {
  readonly taskId: string;
  readonly vertex: JobVertex;
  readonly task: StreamTask;
  readonly metrics: ReadonlyMap<string, MetricGroup>;
  readonly inputs: readonly RemoteEnd[];
  readonly outputs: readonly RemoteEnd[];
  lastBackpressuredMs: number;
  lastSampleAt: number;
}

/** The tasks of one job attempt in this slot. */
class SlotAttempt {
  private readonly control = new JobRunControl();
  private readonly descriptor: AttemptDescriptor;
  private readonly tasks: BuiltSlotTask[] = [];
  private readonly storage: FsCheckpointStorage;
  private readonly targetStorage = new Map<number, CheckpointStorage>();
  /**
   * Checkpoints whose trigger message this slot has seen, and snapshots waiting for theirs. Every slot
   * of an attempt gets the trigger (with a savepoint's target directory), but a barrier from a source
   * in another slot travels on a different port and may overtake it; a task's snapshot must not be
   * written before the slot knows where checkpoint `id` goes.
   */
  private readonly announced = new Set<number>();
  private readonly awaitingTrigger = new Map<number, (() => void)[]>();
  private graph: JobGraph | null = null;
  private stateBackend: StateBackend | null = null;

  constructor(
    private readonly message: DeployMessage,
    private readonly connections: SlotConnections,
    private readonly post: (m: SlotToMain) => void,
    private readonly options: SlotRuntimeOptions,
  ) {
    this.descriptor = message.descriptor;
    this.storage = new FsCheckpointStorage(this.descriptor.checkpointDir);
  }

  private get ref(): { jobId: string; attempt: number } {
    return { jobId: this.descriptor.jobId, attempt: this.descriptor.attempt };
  }

  async run(): Promise<void> {
    try {
      await this.build();
    } catch (error) {
      // Nothing ran yet: every task of this slot failed to start, with the same reason.
      const reason = describeError(error);
      log.warn(`slot ${this.options.slotIndex}: job ${this.descriptor.jobId} attempt ${this.descriptor.attempt} could not start: ${reason}`);
      for (const taskId of this.message.taskIds) this.post({ type: "task-state", ...this.ref, taskId, state: "failed", error: reason });
      this.control.cancel(error);
      await this.release();
      return;
    }
    await Promise.all(
      this.tasks.map(async (t) => {
        this.post({ type: "task-state", ...this.ref, taskId: t.taskId, state: "running" });
        let end: { state: "finished" | "cancelled" | "failed"; error?: string };
        try {
          await t.task.run();
          end = { state: "finished" };
        } catch (error) {
          // Once the attempt is cancelled (another task failed first, or a cancel), every task ends with
          // the cancellation: only the first failure is reported as this task's own.
          const own = !this.control.isCancelled && !(error instanceof CancelledError);
          this.control.cancel(error);
          end = own ? { state: "failed", error: describeError(error) } : { state: "cancelled" };
        }
        // The end state carries the task's final counters.
        this.post({ type: "task-state", ...this.ref, taskId: t.taskId, ...end, metrics: this.taskMetrics(t) });
      }),
    );
    await this.release();
  }

  /** Forget this attempt's remote channels (keyed state backends release their files as tasks close). */
  private async release(): Promise<void> {
    for (const end of this.tasks.flatMap((t) => [...t.inputs, ...t.outputs])) end.connection.forgetChannels([end.id]);
  }

  /** The connection that reaches `taskId`: a peer slot of this worker, or the main thread (other workers). */
  private connectionTo(taskId: string): ChannelConnection {
    const placement = this.descriptor.placement[taskId];
    if (placement !== undefined && placement.workerId === this.message.workerId) {
      const peer = this.connections.peers.get(placement.slot);
      if (peer === undefined) throw new Error(`slot ${this.options.slotIndex} has no port to slot ${placement.slot} (task ${taskId})`);
      return peer;
    }
    return this.connections.main;
  }

  private async build(): Promise<void> {
    const d = this.descriptor;
    const plan = JSON.parse(d.planJson) as LogicalPlan;
    const graph = buildJobGraph(plan, { chaining: d.options.chaining });
    this.graph = graph;
    const functions: UserFunctions = await this.options.loader.load({
      jobName: d.jobName,
      plan,
      planHash: d.planHash,
      bundlePath: this.message.bundlePath,
      envOptionsJson: this.message.envOptionsJson,
    });
    const restore = await this.loadRestore();
    this.stateBackend = createStateBackend(d.options.stateBackend, { dir: this.message.stateDir });
    const local = new Set(this.message.taskIds);
    const channels = channelsOf(graph, d.channelBase);
    const byEdge = new Map<JobEdge, ChannelSpec[]>();
    for (const c of channels) {
      let list = byEdge.get(c.edge);
      if (list === undefined) byEdge.set(c.edge, (list = []));
      list.push(c);
    }
    // A channel with both ends in this slot is one LocalChannel, shared by the two tasks.
    const localChannels = new Map<number, LocalChannel<unknown>>();
    const localOf = (id: number) => {
      let ch = localChannels.get(id);
      if (ch === undefined) localChannels.set(id, (ch = new LocalChannel<unknown>(d.options.channelCapacity)));
      return ch;
    };
    for (const vertex of graph.vertices) {
      for (let s = 0; s < vertex.parallelism; s++) {
        const taskId = taskIdOf(vertex.id, s);
        if (!local.has(taskId)) continue;
        const inputs: RemoteEnd[] = [];
        const outputs: RemoteEnd[] = [];
        const built = await buildSubtask(
          {
            graph,
            functions,
            stateBackend: this.stateBackend,
            control: this.control,
            restore,
            checkpointingFor: (v, sub) => this.checkpointingFor(v, sub),
          },
          vertex,
          s,
          {
            outputChannels: (edge): OutputChannel<unknown>[] =>
              byEdge
                .get(edge)!
                .filter((c) => c.producerSubtask === s)
                .sort((a, b) => a.consumerSubtask - b.consumerSubtask)
                .map((c) => {
                  if (local.has(c.consumerTask)) return localOf(c.id);
                  const connection = this.connectionTo(c.consumerTask);
                  outputs.push({ id: c.id, connection });
                  return connection.outputChannel<unknown>(c.id);
                }),
            outputBuffering: (edge) => (byEdge.get(edge)!.some((c) => c.producerSubtask === s && !local.has(c.consumerTask)) ? NETWORK_BUFFERING : null),
            inputChannels: (edge): InputChannel<unknown>[] =>
              byEdge
                .get(edge)!
                .filter((c) => c.consumerSubtask === s)
                .sort((a, b) => a.producerSubtask - b.producerSubtask)
                .map((c) => {
                  if (local.has(c.producerTask)) return localOf(c.id);
                  const connection = this.connectionTo(c.producerTask);
                  inputs.push({ id: c.id, connection });
                  return connection.inputChannel<unknown>(c.id, d.options.channelCapacity * REMOTE_CREDIT_FACTOR);
                }),
          },
        );
        this.tasks.push({ taskId, vertex, task: built.task, metrics: built.metrics, inputs, outputs, lastBackpressuredMs: 0, lastSampleAt: performance.now() });
      }
    }
  }

  private async loadRestore(): Promise<RestoreState | null> {
    const restore = this.descriptor.restore;
    if (restore === null) return null;
    const storage = FsCheckpointStorage.forSavepoint(restore.dir);
    const metadata = await storage.readMetadata(restore.dir);
    const loaded = await loadCheckpoint(storage, metadata, restore.dir);
    return loaded.state;
  }

  private checkpointingFor(vertex: JobVertex, subtask: number): TaskCheckpointing {
    const taskId = taskIdOf(vertex.id, subtask);
    return {
      taskId,
      vertexId: vertex.id,
      subtask,
      parallelism: vertex.parallelism,
      alignmentTimeoutMs: this.descriptor.options.alignmentTimeoutMs,
      acknowledge: (snapshot) => void this.persistSnapshot(taskId, snapshot),
    };
  }

  /** Write a task's snapshot into the checkpoint's directory, then acknowledge it to the JobManager. */
  private async persistSnapshot(taskId: string, snapshot: TaskSnapshot): Promise<void> {
    const id = snapshot.checkpointId;
    try {
      if (!this.announced.has(id)) await new Promise<void>((resolve) => this.awaitingTrigger.set(id, [...(this.awaitingTrigger.get(id) ?? []), resolve]));
      const storage = this.targetStorage.get(id) ?? this.storage;
      const written = await storage.writeTaskState(id, taskId, encodeTaskSnapshot(snapshot));
      if (this.control.isCancelled) return;
      this.post({ type: "ack", ...this.ref, checkpointId: id, taskId, file: written.file, sizeBytes: written.sizeBytes, checksum: written.checksum, operators: Object.keys(snapshot.operators) });
    } catch (error) {
      if (this.control.isCancelled) return;
      log.warn(`task ${taskId} could not store its state for checkpoint ${id}: ${describeError(error)}`);
      this.post({ type: "decline", ...this.ref, checkpointId: id, taskId, reason: describeError(error) });
    }
  }

  trigger(request: { checkpointId: number; timestamp: number; thenStop: boolean; isSavepoint: boolean; targetDir: string }): void {
    if (request.isSavepoint) this.targetStorage.set(request.checkpointId, FsCheckpointStorage.forSavepoint(request.targetDir));
    this.announced.add(request.checkpointId);
    for (const resolve of this.awaitingTrigger.get(request.checkpointId) ?? []) resolve();
    this.awaitingTrigger.delete(request.checkpointId);
    for (const t of this.tasks) {
      if (t.task instanceof SourceStreamTask) t.task.triggerCheckpoint({ checkpointId: request.checkpointId, timestamp: request.timestamp, thenStop: request.thenStop });
    }
  }

  notifyComplete(checkpointId: number): void {
    this.targetStorage.delete(checkpointId);
    for (const id of this.announced) if (id <= checkpointId) this.announced.delete(id);
    for (const t of this.tasks) t.task.notifyCheckpointComplete(checkpointId);
  }

  notifyAborted(checkpointId: number): void {
    this.targetStorage.delete(checkpointId);
    this.announced.delete(checkpointId);
    for (const t of this.tasks) t.task.notifyCheckpointAborted(checkpointId);
  }

  cancel(reason: unknown): void {
    this.control.cancel(reason);
  }

  /** Per-task counters since the task started; the backpressure ratio over the last interval. */
  metrics(): SlotTaskMetrics[] {
    return this.graph === null ? [] : this.tasks.map((t) => this.taskMetrics(t));
  }

  private taskMetrics(t: BuiltSlotTask): SlotTaskMetrics {
    const graph = this.graph!;
    const leaving = new Set(graph.edges.map((e) => e.sourceNode));
    const now = performance.now();
    const head = t.metrics.get(t.vertex.headId)?.snapshot() ?? {};
    let recordsOut = 0;
    for (const [nodeId, group] of t.metrics) {
      const counters = group.snapshot();
      // Records leaving the task: sent to another task, or written to an external system by a sink.
      if (leaving.has(nodeId)) recordsOut += counters[METRIC_RECORDS_OUT] ?? 0;
      if (graph.nodes.get(nodeId)?.kind.startsWith("sink:") === true) recordsOut += counters[METRIC_RECORDS_IN] ?? 0;
    }
    // Includes a wait still going on, so a task blocked for a whole interval reports 1.
    const backpressuredMs = t.task.backpressuredTimeMs(now);
    const elapsed = Math.max(1, now - t.lastSampleAt);
    const ratio = Math.min(1, Math.max(0, (backpressuredMs - t.lastBackpressuredMs) / elapsed));
    t.lastBackpressuredMs = backpressuredMs;
    t.lastSampleAt = now;
    return {
      jobId: this.descriptor.jobId,
      taskId: t.taskId,
      recordsIn: head[METRIC_RECORDS_IN] ?? 0,
      recordsOut,
      bytesIn: t.inputs.reduce((n, end) => n + end.connection.channelBytesIn([end.id]), 0),
      bytesOut: t.outputs.reduce((n, end) => n + end.connection.channelBytesOut([end.id]), 0),
      backpressureRatio: ratio,
    };
  }
}
