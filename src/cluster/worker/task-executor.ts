/**
 * @module cluster/worker/task-executor
 * The worker's main thread (Flink's TaskExecutor): registers with the JobManager and heartbeats, serves
 * the WorkerService RPCs, hosts one thread per slot, and routes data-plane frames.
 *
 * Data plane. Slots of this worker exchange frames over direct ports between their threads. Frames for
 * other workers come to this thread over the slot's port; a FrameRouter forwards each frame by channel
 * id (element frames towards the channel's consumer, credit frames towards its producer) over the one
 * TCP link to the other worker, or from that link to the local slot. Routes come from the
 * attempt descriptor (placement + channel numbering), so no worker asks another where a channel goes.
 * One TCP connection per worker pair: the worker with the smaller id connects, the other accepts; frames
 * for a peer whose link is not up yet wait in the router.
 *
 * JobManager link. Registration is retried until the JobManager answers. A heartbeat answered with
 * NOT_FOUND means the JobManager does not know this worker (it restarted, or declared the worker lost):
 * the worker cancels every task (the JobManager will redeploy from the latest checkpoint) and registers
 * again. Task states, checkpoint acks and declines are forwarded as they come from the slots.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { cpus, hostname as osHostname } from "node:os";
import { join } from "node:path";
import { describeError, log, type CheckpointId, type JobId } from "../../core/index.ts";
import {
  connectPeer,
  createPeerServer,
  FrameLink,
  FrameRouter,
  NetworkError,
  PortSocket,
  rpc,
  type Frame,
  type PeerServer,
} from "../../network/index.ts";
import { buildJobGraph, type LogicalPlan } from "../../plan/index.ts";
import { channelsOf, parseAttemptDescriptor, type AttemptDescriptor } from "../deployment.ts";
import type { SlotHost } from "./slot-host.ts";
import type { MainToSlot, SlotTaskMetrics, SlotToMain } from "./slot-messages.ts";

export interface TaskExecutorOptions {
  readonly workerId: string;
  readonly slots: number;
  /** Advertised to the JobManager and to peers. */
  readonly host: string;
  /** Data-plane listen address (port 0 picks a free port; the actual port is advertised). */
  readonly dataBind: { readonly hostname: string; readonly port: number };
  /** Port of this worker's WorkerService (served by the caller). */
  readonly rpcPort: number;
  readonly memoryMb: number;
  readonly jobManager: rpc.JobManagerGateway;
  readonly createSlot: (index: number) => SlotHost;
  /** Job bundles are cached here by content hash. */
  readonly bundleDir: string;
  /** Disk state backends keep their files here. */
  readonly stateDir: string;
  /** Largest data-plane frame accepted (default: the codec's). */
  readonly maxFrameBytes?: number;
  /** Retry pause while the JobManager is unreachable (default 1000 ms). */
  readonly reconnectDelayMs?: number;
  /** Log lifecycle events at info (default) or only at debug (embedded MiniCluster). */
  readonly verbose?: boolean;
  /** Called with the executor before it registers (so an embedded JobManager can reach it at once). */
  readonly onCreated?: (executor: TaskExecutor) => void;
}

interface LocalAttempt {
  readonly descriptor: AttemptDescriptor;
  readonly slots: Set<number>;
  readonly routes: number[];
}

const attemptKey = (jobId: string, attempt: number): string => `${jobId}/${attempt}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TaskExecutor implements rpc.WorkerGateway {
  private readonly slots: SlotHost[] = [];
  private readonly slotLinks: FrameLink[] = [];
  private readonly slotReady: Promise<void>[] = [];
  private readonly router: FrameRouter;
  private readonly attempts = new Map<string, LocalAttempt>();
  private readonly peerLinks = new Map<string, FrameLink>();
  private readonly connecting = new Map<string, Promise<void>>();
  private readonly bundles = new Map<string, Promise<string>>();
  private readonly metrics = new Map<string, SlotTaskMetrics>();
  private peerServer: PeerServer | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatIntervalMs = 1000;
  private stopped = false;
  private lastCpu = process.cpuUsage();
  private readonly note: (message: string) => void;
  private lastCpuAt = performance.now();

  private constructor(private readonly options: TaskExecutorOptions) {
    this.note = options.verbose === false ? (m) => log.debug(m) : (m) => log.info(m);
    this.router = new FrameRouter({
      name: `worker ${options.workerId}`,
      onChannelsFailed: (ids, error) => this.broadcast({ type: "channels-failed", channelIds: ids, message: error.message }),
    });
  }

  /** Start the slots and the data plane, then register with the JobManager (retrying until it answers). */
  static async start(options: TaskExecutorOptions): Promise<TaskExecutor> {
    const executor = new TaskExecutor(options);
    options.onCreated?.(executor);
    await executor.startSlots();
    executor.startDataPlane();
    await executor.register();
    return executor;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** The data-plane port peers connect to. */
  get dataPort(): number {
    return this.peerServer!.port;
  }

  private async startSlots(): Promise<void> {
    for (let i = 0; i < this.options.slots; i++) {
      const slot = this.options.createSlot(i);
      const endpoint = `slot:${i}`;
      const link = new FrameLink(new PortSocket(slot.port), {
        name: `worker ${this.options.workerId} -> slot ${i}`,
        ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
        onFrame: (frame: Frame, bytes: Uint8Array) => this.router.route(endpoint, frame, bytes),
        onClose: (error) => {
          if (error !== null) this.router.removeLink(endpoint, error);
        },
      });
      let ready!: () => void;
      this.slotReady.push(new Promise<void>((resolve) => (ready = resolve)));
      slot.port.onmessage = (event) => this.onSlotMessage(i, event.data as SlotToMain, ready);
      this.slots.push(slot);
      this.slotLinks.push(link);
      this.router.addLink(endpoint, link);
    }
    // Slots of this worker exchange frames over direct ports, not through this thread.
    for (let i = 0; i < this.slots.length; i++) {
      for (let j = i + 1; j < this.slots.length; j++) {
        const channel = new MessageChannel();
        this.slots[i]!.port.postMessage({ type: "peer-port", slot: j, port: channel.port1 }, [channel.port1]);
        this.slots[j]!.port.postMessage({ type: "peer-port", slot: i, port: channel.port2 }, [channel.port2]);
      }
    }
    await Promise.all(this.slotReady);
  }

  private startDataPlane(): void {
    this.peerServer = createPeerServer({
      hostname: this.options.dataBind.hostname,
      port: this.options.dataBind.port,
      workerId: this.options.workerId,
      ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
      onLink: (peer, link) => this.addPeerLink(peer, link),
      onFrame: (peer, frame, bytes) => this.router.route(`worker:${peer}`, frame, bytes),
      onClose: (peer, error) => this.onPeerClosed(peer, error),
    });
  }

  private addPeerLink(peer: string, link: FrameLink): void {
    const previous = this.peerLinks.get(peer);
    if (previous !== undefined && previous !== link) this.router.removeLink(`worker:${peer}`, new NetworkError(`link to worker ${peer} replaced`, "CONNECTION_CLOSED"));
    this.peerLinks.set(peer, link);
    this.router.addLink(`worker:${peer}`, link);
  }

  private onPeerClosed(peer: string, error: NetworkError | null): void {
    this.peerLinks.delete(peer);
    this.router.removeLink(`worker:${peer}`, error ?? new NetworkError(`the data-plane link to worker ${peer} closed`, "CONNECTION_CLOSED"));
  }

  // ---- JobManager link ----

  private async register(): Promise<void> {
    let warned = false;
    while (!this.stopped) {
      try {
        const response = await this.options.jobManager.registerWorker({
          workerId: this.options.workerId,
          host: this.options.host,
          hostname: osHostname(),
          dataPort: this.dataPort,
          rpcPort: this.options.rpcPort,
          slots: this.options.slots,
          cpuCores: cpus().length,
          memoryMb: this.options.memoryMb,
        });
        if (!response.accepted) throw new Error("the JobManager refused the registration");
        this.heartbeatIntervalMs = response.heartbeatIntervalMs > 0 ? response.heartbeatIntervalMs : 1000;
        // A (re-)registration starts from a clean slate: the JobManager redeploys what should run.
        this.cancelAll("the worker registered again with the JobManager");
        this.note(`worker ${this.options.workerId} registered with the JobManager (${this.options.slots} slots, data port ${this.dataPort})`);
        this.scheduleHeartbeat();
        return;
      } catch (error) {
        if (!warned) log.warn(`worker ${this.options.workerId}: cannot register with the JobManager yet (${describeError(error)}); retrying`);
        warned = true;
        await sleep(this.options.reconnectDelayMs ?? 1000);
      }
    }
  }

  private scheduleHeartbeat(): void {
    if (this.stopped) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), this.heartbeatIntervalMs);
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.options.jobManager.heartbeat({
        workerId: this.options.workerId,
        freeSlots: this.freeSlots(),
        taskMetrics: [...this.metrics.values()],
        cpuPercent: this.cpuPercent(),
        rssBytes: process.memoryUsage().rss,
      });
    } catch (error) {
      if (error instanceof rpc.NotFoundError) {
        log.warn(`worker ${this.options.workerId}: the JobManager does not know this worker; registering again`);
        void this.register();
        return;
      }
      log.debug(`worker ${this.options.workerId}: heartbeat failed: ${describeError(error)}`);
    }
    this.scheduleHeartbeat();
  }

  private cpuPercent(): number {
    const now = performance.now();
    const usage = process.cpuUsage(this.lastCpu);
    const elapsedUs = Math.max(1, (now - this.lastCpuAt) * 1000);
    this.lastCpu = process.cpuUsage();
    this.lastCpuAt = now;
    return Math.max(0, ((usage.user + usage.system) / elapsedUs) * 100);
  }

  private freeSlots(): number {
    const busy = new Set<number>();
    for (const a of this.attempts.values()) for (const s of a.slots) busy.add(s);
    return this.options.slots - busy.size;
  }

  // ---- WorkerService ----

  async deployTasks(request: rpc.DeployTasksRequest): Promise<void> {
    const descriptor = parseAttemptDescriptor(request.descriptorJson);
    if (descriptor.jobId !== request.jobId || descriptor.attempt !== request.attempt) {
      throw new rpc.InvalidArgumentError(`descriptor is for job ${descriptor.jobId} attempt ${descriptor.attempt}, the request for job ${request.jobId} attempt ${request.attempt}`);
    }
    const me = this.options.workerId;
    const bySlot = new Map<number, string[]>();
    for (const [taskId, placement] of Object.entries(descriptor.placement)) {
      if (placement.workerId !== me) continue;
      if (placement.slot >= this.options.slots) throw new rpc.InvalidArgumentError(`task ${taskId} is placed in slot ${placement.slot}, but worker ${me} has ${this.options.slots} slots`);
      let list = bySlot.get(placement.slot);
      if (list === undefined) bySlot.set(placement.slot, (list = []));
      list.push(taskId);
    }
    if (bySlot.size === 0) throw new rpc.InvalidArgumentError(`no task of job ${descriptor.jobId} attempt ${descriptor.attempt} is placed on worker ${me}`);
    let plan: LogicalPlan;
    try {
      plan = JSON.parse(descriptor.planJson) as LogicalPlan;
    } catch (error) {
      throw new rpc.InvalidArgumentError(`descriptor planJson is not JSON: ${describeError(error)}`);
    }
    const graph = buildJobGraph(plan, { chaining: descriptor.options.chaining });
    const bundlePath = descriptor.bundleHash === null ? null : await this.bundle(descriptor.bundleHash);

    const local: LocalAttempt = { descriptor, slots: new Set(bySlot.keys()), routes: [] };
    this.attempts.set(attemptKey(descriptor.jobId, descriptor.attempt), local);
    const endpointOf = (taskId: string): string => {
      const p = descriptor.placement[taskId];
      if (p === undefined) throw new rpc.InvalidArgumentError(`task ${taskId} has no placement`);
      return p.workerId === me ? `slot:${p.slot}` : `worker:${p.workerId}`;
    };
    const peers = new Set<string>();
    for (const channel of channelsOf(graph, descriptor.channelBase)) {
      const producer = endpointOf(channel.producerTask);
      const consumer = endpointOf(channel.consumerTask);
      const producerLocal = producer.startsWith("slot:");
      const consumerLocal = consumer.startsWith("slot:");
      // Elsewhere, inside one slot (a LocalChannel), or between two local slots (their direct port).
      if ((!producerLocal && !consumerLocal) || (producerLocal && consumerLocal)) continue;
      this.router.setRoute(channel.id, { producer, consumer });
      local.routes.push(channel.id);
      for (const e of [producer, consumer]) if (e.startsWith("worker:")) peers.add(e.slice("worker:".length));
    }
    for (const peer of peers) void this.ensurePeer(peer, descriptor);

    for (const [slot, taskIds] of bySlot) {
      this.post(slot, {
        type: "deploy",
        descriptor,
        workerId: me,
        taskIds,
        bundlePath,
        stateDir: join(this.options.stateDir, `${descriptor.jobId}-a${descriptor.attempt}-s${slot}`),
        envOptionsJson: descriptor.envOptionsJson,
      });
    }
    this.note(`worker ${me}: deployed ${[...bySlot.values()].flat().length} tasks of job ${descriptor.jobName} (${descriptor.jobId}) attempt ${descriptor.attempt}`);
  }

  async cancelTasks(request: rpc.CancelTasksRequest): Promise<void> {
    for (const a of this.attempts.values()) {
      if (a.descriptor.jobId !== request.jobId || (request.attempt !== 0 && a.descriptor.attempt !== request.attempt)) continue;
      for (const slot of a.slots) this.post(slot, { type: "cancel", jobId: a.descriptor.jobId, attempt: a.descriptor.attempt, reason: `job ${a.descriptor.jobName} cancelled by the JobManager` });
    }
  }

  async triggerCheckpoint(request: rpc.TriggerCheckpointRequest): Promise<void> {
    const a = this.attempts.get(attemptKey(request.jobId, request.attempt));
    if (a === undefined) throw new rpc.NotFoundError(`worker ${this.options.workerId} runs no tasks of job ${request.jobId} attempt ${request.attempt}`);
    for (const slot of a.slots) {
      this.post(slot, {
        type: "trigger",
        jobId: request.jobId,
        attempt: request.attempt,
        checkpointId: request.checkpointId,
        timestamp: request.timestampMs,
        thenStop: request.thenStop,
        isSavepoint: request.isSavepoint,
        targetDir: request.targetDir,
      });
    }
  }

  async notifyCheckpointComplete(request: rpc.CheckpointNotification): Promise<void> {
    this.notify("notify-complete", request);
  }

  async notifyCheckpointAborted(request: rpc.CheckpointNotification): Promise<void> {
    this.notify("notify-aborted", request);
  }

  private notify(type: "notify-complete" | "notify-aborted", request: rpc.CheckpointNotification): void {
    const a = this.attempts.get(attemptKey(request.jobId, request.attempt));
    if (a === undefined) return; // the attempt ended meanwhile: nothing to tell
    for (const slot of a.slots) this.post(slot, { type, jobId: request.jobId, attempt: request.attempt, checkpointId: request.checkpointId });
  }

  // ---- slots ----

  private post(slot: number, message: MainToSlot): void {
    this.slots[slot]!.port.postMessage(message);
  }

  private broadcast(message: MainToSlot): void {
    for (const slot of this.slots) slot.port.postMessage(message);
  }

  private onSlotMessage(slot: number, message: SlotToMain, ready: () => void): void {
    switch (message.type) {
      case "frames":
        this.slotLinks[slot]!.handleData(new Uint8Array(message.bytes));
        return;
      case "frames-end":
        return;
      case "ready":
        ready();
        return;
      case "metrics":
        for (const m of message.tasks) this.metrics.set(`${m.jobId}/${m.taskId}`, m);
        return;
      case "task-state":
        this.forward("task state", () =>
          this.options.jobManager.updateTaskState({
            jobId: message.jobId as JobId,
            taskId: message.taskId,
            workerId: this.options.workerId,
            state: message.state,
            attempt: message.attempt,
            ...(message.error === undefined ? {} : { error: message.error }),
            ...(message.metrics === undefined ? {} : { metrics: message.metrics }),
          }),
        );
        return;
      case "ack":
        this.forward("checkpoint ack", () =>
          this.options.jobManager.acknowledgeCheckpoint({
            jobId: message.jobId as JobId,
            checkpointId: message.checkpointId as CheckpointId,
            taskId: message.taskId,
            file: message.file,
            sizeBytes: message.sizeBytes,
            checksum: message.checksum,
            operators: [...message.operators],
            attempt: message.attempt,
          }),
        );
        return;
      case "decline":
        this.forward("checkpoint decline", () =>
          this.options.jobManager.declineCheckpoint({
            jobId: message.jobId as JobId,
            checkpointId: message.checkpointId as CheckpointId,
            taskId: message.taskId,
            reason: message.reason,
            attempt: message.attempt,
          }),
        );
        return;
      case "attempt-ended":
        this.onAttemptEnded(slot, message.jobId, message.attempt);
        return;
    }
  }

  private forward(what: string, call: () => Promise<void>): void {
    call().catch((error: unknown) => log.warn(`worker ${this.options.workerId}: could not send ${what} to the JobManager: ${describeError(error)}`));
  }

  private onAttemptEnded(slot: number, jobId: string, attempt: number): void {
    const key = attemptKey(jobId, attempt);
    const a = this.attempts.get(key);
    if (a === undefined) return;
    a.slots.delete(slot);
    if (a.slots.size > 0) return;
    // Final counters went with the tasks' end states; drop the heartbeat copies.
    for (const [k, m] of this.metrics) if (m.jobId === jobId) this.metrics.delete(k);
    this.attempts.delete(key);
    this.router.removeRoutes(a.routes);
  }

  private cancelAll(reason: string): void {
    for (const a of this.attempts.values()) {
      for (const slot of a.slots) this.post(slot, { type: "cancel", jobId: a.descriptor.jobId, attempt: a.descriptor.attempt, reason });
    }
  }

  // ---- peers and bundles ----

  /** Make sure a link to `peer` exists or will: the smaller worker id connects, the other waits. */
  private async ensurePeer(peer: string, descriptor: AttemptDescriptor): Promise<void> {
    if (this.peerLinks.has(peer) || peer === this.options.workerId) return;
    if (this.options.workerId > peer) return; // the peer connects to us
    const pending = this.connecting.get(peer);
    if (pending !== undefined) return pending;
    const address = descriptor.workers[peer];
    if (address === undefined) {
      log.warn(`worker ${this.options.workerId}: no data-plane address for worker ${peer}`);
      return;
    }
    const attempt = (async () => {
      try {
        const link = await connectPeer({
          hostname: address.host,
          port: address.dataPort,
          workerId: this.options.workerId,
          peerWorkerId: peer,
          ...(this.options.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.options.maxFrameBytes }),
          onFrame: (frame: Frame, bytes: Uint8Array) => this.router.route(`worker:${peer}`, frame, bytes),
          onClose: (error: NetworkError | null) => this.onPeerClosed(peer, error),
        });
        this.addPeerLink(peer, link);
      } catch (error) {
        const failure = error instanceof NetworkError ? error : new NetworkError(`cannot reach worker ${peer}: ${describeError(error)}`, "CONNECTION_FAILED", error);
        log.warn(`worker ${this.options.workerId}: ${failure.message}`);
        this.router.removeLink(`worker:${peer}`, failure);
      } finally {
        this.connecting.delete(peer);
      }
    })();
    this.connecting.set(peer, attempt);
    return attempt;
  }

  /** The bundle's path on this worker, fetched from the JobManager once and verified by its hash. */
  private bundle(hash: string): Promise<string> {
    let pending = this.bundles.get(hash);
    if (pending === undefined) {
      pending = (async () => {
        const path = join(this.options.bundleDir, `${hash}.js`);
        if (existsSync(path)) return path;
        const { bytes } = await this.options.jobManager.fetchBundle({ hash });
        const actual = createHash("sha256").update(bytes).digest("hex");
        if (actual !== hash) throw new rpc.InvalidArgumentError(`bundle ${hash} from the JobManager has hash ${actual}`);
        await mkdir(this.options.bundleDir, { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, bytes);
        await rename(tmp, path);
        return path;
      })();
      pending.catch(() => this.bundles.delete(hash));
      this.bundles.set(hash, pending);
    }
    return pending;
  }

  /** Cancel everything, stop the threads and the data plane. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.broadcast({ type: "shutdown" });
    await sleep(20);
    this.peerServer?.stop();
    for (const link of this.peerLinks.values()) link.close();
    for (const slot of this.slots) slot.terminate();
  }
}
