/**
 * @module cluster/mini-cluster
 * A whole cluster in one process: a JobManager and N workers running the same code as separate
 * processes would, joined by in-memory gateways (still validated like gRPC) instead of sockets for the
 * control plane. Slots are threads when a slot entry module is given (`bicycle run`, `bicycle sql`), or
 * run on the caller's thread (tests). The data plane between the workers is real loopback TCP.
 */
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rpc } from "../network/index.ts";
import { JobManager } from "./jobmanager/job-manager.ts";
import type { JobLoader } from "./job-loader.ts";
import { inlineSlot, threadSlot, type SlotHost } from "./worker/slot-host.ts";
import { TaskExecutor } from "./worker/task-executor.ts";

export interface MiniClusterOptions {
  readonly workers?: number;
  readonly slotsPerWorker?: number;
  /** Checkpoints and the JobManager's store (default: a fresh temp directory). */
  readonly checkpointDir?: string;
  readonly stateDir?: string;
  /** Slot threads run this module (see cli/slot-thread.ts); without it slots run on this thread with `loader`. */
  readonly slotEntry?: string | URL;
  readonly loader?: JobLoader;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly slotWaitTimeoutMs?: number;
  /** Log cluster lifecycle events at info (default false: debug, as an embedded cluster is an implementation detail). */
  readonly verbose?: boolean;
}

export class MiniCluster {
  private constructor(
    readonly jobManager: JobManager,
    /** The JobManager as clients see it (requests validated as over gRPC). */
    readonly gateway: rpc.JobManagerGateway,
    readonly workers: TaskExecutor[],
    readonly checkpointDir: string,
    /** Private files (store, bundles, worker state; checkpoints unless given): removed by stop(). */
    private readonly baseDir: string,
    private readonly ownsCheckpoints: boolean,
  ) {}

  static async start(options: MiniClusterOptions = {}): Promise<MiniCluster> {
    const base = join(tmpdir(), `bicycle-minicluster-${process.pid}-${Date.now()}`);
    const checkpointDir = options.checkpointDir ?? join(base, "checkpoints");
    const executors = new Map<string, TaskExecutor>();
    const jobManager = JobManager.start({
      checkpointDir,
      // The store is private to this cluster: a later embedded cluster on the same checkpoint
      // directory must not resume this one's jobs.
      storeDir: join(base, "jobmanager"),
      verbose: options.verbose ?? false,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 500,
      ...(options.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: options.heartbeatTimeoutMs }),
      ...(options.slotWaitTimeoutMs === undefined ? {} : { slotWaitTimeoutMs: options.slotWaitTimeoutMs }),
      // Looked up per call: the executor registers before start() hands it back.
      connectWorker: ({ workerId }) =>
        rpc.createInMemoryWorkerGateway({
          deployTasks: (r) => executor(workerId).deployTasks(r),
          cancelTasks: (r) => executor(workerId).cancelTasks(r),
          triggerCheckpoint: (r) => executor(workerId).triggerCheckpoint(r),
          notifyCheckpointComplete: (r) => executor(workerId).notifyCheckpointComplete(r),
          notifyCheckpointAborted: (r) => executor(workerId).notifyCheckpointAborted(r),
        }),
    });
    function executor(workerId: string): TaskExecutor {
      const e = executors.get(workerId);
      if (e === undefined) throw new rpc.NotFoundError(`no worker '${workerId}' in this MiniCluster`);
      return e;
    }
    const gateway = rpc.createInMemoryJobManagerGateway(jobManager);
    const workers: TaskExecutor[] = [];
    const count = options.workers ?? 1;
    for (let w = 0; w < count; w++) {
      const workerId = `mini-${w + 1}`;
      const createSlot = (i: number): SlotHost => {
        if (options.slotEntry !== undefined) return threadSlot(i, options.slotEntry);
        if (options.loader === undefined) throw new Error("MiniCluster: give a slotEntry (threads) or a loader (in-thread slots)");
        return inlineSlot(i, options.loader);
      };
      const pending = TaskExecutor.start({
        workerId,
        slots: options.slotsPerWorker ?? 1,
        host: "127.0.0.1",
        dataBind: { hostname: "127.0.0.1", port: 0 },
        rpcPort: 1, // unused: the JobManager reaches this worker in memory
        memoryMb: 0,
        jobManager: gateway,
        createSlot,
        bundleDir: join(base, `worker-${w + 1}`, "bundles"),
        stateDir: options.stateDir ?? join(base, `worker-${w + 1}`, "state"),
        onCreated: (e) => executors.set(workerId, e),
        verbose: options.verbose ?? false,
      });
      workers.push(await pending);
    }
    return new MiniCluster(jobManager, gateway, workers, checkpointDir, base, options.checkpointDir === undefined);
  }

  /** Cancel running jobs, stop everything and remove the cluster's private files. */
  async stop(): Promise<void> {
    await this.jobManager.stop({ cancelJobs: true });
    await Promise.all(this.workers.map((w) => w.stop()));
    // Checkpoints the caller asked for (and its state dir) stay; everything else of ours goes.
    const keep = this.ownsCheckpoints ? [] : [this.checkpointDir];
    await removeExcept(this.baseDir, keep);
  }
}

/** Remove `dir` unless one of `keep` lies inside it. */
async function removeExcept(dir: string, keep: readonly string[]): Promise<void> {
  if (keep.some((k) => k === dir || k.startsWith(`${dir}/`))) return;
  await rm(dir, { recursive: true, force: true });
}
