/**
 * @module cluster/jobmanager/worker-registry
 * The JobManager's view of its workers: who registered, with how many slots, when each last sent a
 * heartbeat (with free slots and task metrics), and which ones are lost. Pure bookkeeping on an
 * injectable clock; the JobManager calls `checkTimeouts()` on its own timer.
 *
 * Lifecycle of one worker id:
 *
 *            register                 checkTimeouts (no heartbeat for > timeout)
 *   (none) ───────────► alive ──────────────────────────────────────────────► lost
 *                        ▲  │ heartbeat: refresh                  markLost     │
 *                        │  └──────────┘                                       │
 *                        └──────────────────── register (reRegistered) ────────┘
 *
 * Invariants:
 * - A lost worker offers no slots (`freeSlots` 0) and its heartbeats are refused (`false`), so a worker
 *   that was declared dead must re-register: its tasks were failed over and it must not come back
 *   silently with stale state.
 * - Each loss is reported once: by `checkTimeouts()` (returned) or `markLost()`, and to subscribers as
 *   one "lost" event.
 * - Registering an id that exists (worker restarted, or the JobManager restarted and the worker found
 *   it again) replaces the entry; `reRegistered` tells the caller that tasks of the old incarnation are gone.
 */
import { ConfigError, InternalError } from "../../core/index.ts";

/** What a worker announces when it registers. */
export interface WorkerRegistration {
  workerId: string;
  host: string;
  /** TCP port of the worker's data plane (other workers connect to it). */
  dataPort: number;
  slots: number;
  cpuCores: number;
  memoryMb: number;
  /** The machine's host name, for display (`host` is the address peers connect to). */
  hostname?: string;
  /** TCP port of the worker's RPC server, when the registration carries it. */
  rpcPort?: number;
}

/** Counters of one task, sent with every heartbeat (totals since the task started). */
export interface TaskMetricsReport {
  taskId: string;
  /** Job of the task, when the worker reports it ("" or absent: unknown). */
  jobId?: string;
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Share of the last interval the task spent blocked on output credits, 0..1. */
  backpressureRatio?: number;
}

export type WorkerStatus = "alive" | "lost";

/** A registered worker as the registry knows it. Values returned by the registry are copies. */
export interface WorkerInfo extends WorkerRegistration {
  status: WorkerStatus;
  /** Epoch ms of the (latest) registration. */
  registeredAt: number;
  /** Epoch ms of the latest heartbeat (the registration counts as one). */
  lastHeartbeat: number;
  freeSlots: number;
  taskMetrics: readonly TaskMetricsReport[];
  cpuPercent?: number;
  rssBytes?: number;
  /** Why the worker was declared lost (set when `status` is "lost"). */
  lostReason?: string;
  /** Epoch ms at which it was declared lost. */
  lostAt?: number;
}

/** What a heartbeat carries. */
export interface HeartbeatReport {
  freeSlots: number;
  taskMetrics: readonly TaskMetricsReport[];
  cpuPercent?: number;
  rssBytes?: number;
}

/** A change of a worker's membership, delivered to subscribers after the registry has changed. */
export type WorkerEvent =
  | { type: "registered"; worker: WorkerInfo; reRegistered: boolean }
  | { type: "lost"; worker: WorkerInfo; reason: string };

export type WorkerListener = (event: WorkerEvent) => void;

export interface WorkerRegistryOptions {
  /** A worker silent for longer than this is lost. */
  heartbeatTimeoutMs: number;
  /** Clock, epoch ms (default `Date.now`); tests pass a manual one. */
  now?: () => number;
}

/** Order by worker id (code-unit order, independent of locale). */
function byId(a: WorkerInfo, b: WorkerInfo): number {
  return a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0;
}

function copy(w: WorkerInfo): WorkerInfo {
  return { ...w, taskMetrics: w.taskMetrics.map((m) => ({ ...m })) };
}

export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerInfo>();
  private readonly listeners = new Set<WorkerListener>();
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(options: WorkerRegistryOptions) {
    if (!Number.isFinite(options.heartbeatTimeoutMs) || options.heartbeatTimeoutMs <= 0) {
      throw new ConfigError(`heartbeatTimeoutMs must be a positive number of milliseconds, got ${options.heartbeatTimeoutMs}`);
    }
    this.timeoutMs = options.heartbeatTimeoutMs;
    this.now = options.now ?? Date.now;
  }

  /** Add a worker, or replace the entry of a worker id seen before (alive or lost). */
  register(r: WorkerRegistration): { reRegistered: boolean } {
    if (r.workerId.length === 0) throw new RangeError("worker id must not be empty");
    if (!Number.isInteger(r.slots) || r.slots < 0) throw new RangeError(`worker ${r.workerId}: slots must be a non-negative integer, got ${r.slots}`);
    const reRegistered = this.workers.has(r.workerId);
    const at = this.now();
    const info: WorkerInfo = {
      workerId: r.workerId,
      host: r.host,
      dataPort: r.dataPort,
      slots: r.slots,
      cpuCores: r.cpuCores,
      memoryMb: r.memoryMb,
      status: "alive",
      registeredAt: at,
      lastHeartbeat: at,
      freeSlots: r.slots,
      taskMetrics: [],
    };
    if (r.hostname !== undefined) info.hostname = r.hostname;
    if (r.rpcPort !== undefined) info.rpcPort = r.rpcPort;
    this.workers.set(r.workerId, info);
    this.emit({ type: "registered", worker: copy(info), reRegistered });
    return { reRegistered };
  }

  /**
   * Record a heartbeat. Returns false when the worker is unknown or lost: it must re-register.
   * `freeSlots` is clamped to 0..slots; the latest report replaces the previous metrics.
   */
  heartbeat(workerId: string, report: HeartbeatReport): boolean {
    const w = this.workers.get(workerId);
    if (w === undefined || w.status === "lost") return false;
    const next: WorkerInfo = {
      ...w,
      lastHeartbeat: this.now(),
      freeSlots: Math.max(0, Math.min(w.slots, Math.floor(report.freeSlots))),
      taskMetrics: report.taskMetrics.map((m) => ({ ...m })),
    };
    delete next.cpuPercent;
    delete next.rssBytes;
    if (report.cpuPercent !== undefined) next.cpuPercent = report.cpuPercent;
    if (report.rssBytes !== undefined) next.rssBytes = report.rssBytes;
    this.workers.set(workerId, next);
    return true;
  }

  /** Declare lost every alive worker silent for longer than the timeout; returns only the newly lost. */
  checkTimeouts(): WorkerInfo[] {
    const now = this.now();
    const lost: WorkerInfo[] = [];
    for (const w of [...this.workers.values()].sort(byId)) {
      const silentMs = now - w.lastHeartbeat;
      if (w.status === "alive" && silentMs > this.timeoutMs) {
        lost.push(this.setLost(w, `no heartbeat for ${silentMs} ms (timeout ${this.timeoutMs} ms)`, now));
      }
    }
    return lost;
  }

  /**
   * Declare a worker lost (its connection broke, a deploy to it failed). Returns the worker, or
   * undefined when the id is unknown; a worker already lost is returned as is, without a new event.
   */
  markLost(workerId: string, reason: string): WorkerInfo | undefined {
    const w = this.workers.get(workerId);
    if (w === undefined) return undefined;
    if (w.status === "lost") return copy(w);
    return this.setLost(w, reason, this.now());
  }

  /** Alive workers, by worker id. */
  alive(): WorkerInfo[] {
    return this.all().filter((w) => w.status === "alive");
  }

  /** Every known worker (alive and lost), by worker id. */
  all(): WorkerInfo[] {
    return [...this.workers.values()].sort(byId).map(copy);
  }

  get(workerId: string): WorkerInfo | undefined {
    const w = this.workers.get(workerId);
    return w === undefined ? undefined : copy(w);
  }

  /**
   * Listen to registrations and losses; returns the unsubscribe function. Listeners run synchronously
   * after the change. If one throws, the others still run and the first error is rethrown (wrapped)
   * from the call that caused the event; the registry's state is already updated by then.
   */
  subscribe(listener: WorkerListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private setLost(w: WorkerInfo, reason: string, at: number): WorkerInfo {
    const lost: WorkerInfo = { ...w, status: "lost", freeSlots: 0, lostReason: reason, lostAt: at };
    this.workers.set(w.workerId, lost);
    this.emit({ type: "lost", worker: copy(lost), reason });
    return copy(lost);
  }

  private emit(event: WorkerEvent): void {
    let failure: unknown;
    let failed = false;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    if (failed) throw new InternalError(`a worker registry listener failed on the ${event.type} event of worker ${event.worker.workerId}`, failure);
  }
}
