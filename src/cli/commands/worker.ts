/**
 * @module cli/commands/worker
 * `bicycle worker`: a worker process: serves WorkerService over gRPC, registers with the JobManager,
 * runs each slot on its own thread and the data plane on `--bind`. Runs until SIGINT/SIGTERM.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { connectJobManager, RpcError, serveWorker, TaskExecutor, threadSlot } from "../../cluster/index.ts";
import { log } from "../../core/index.ts";
import { resolveConfig, splitHostPort, WORKER_ENV, workerConfigSchema } from "../cluster-config.ts";
import { positiveInt } from "../job-options.ts";
import { untilSignal } from "../signals.ts";
import { slotThreadEntry } from "../slot-entry.ts";

interface Flags {
  config?: string;
  jobmanager?: string;
  slots?: number;
  bind?: string;
  rpcBind?: string;
  advertiseHost?: string;
  memoryMb?: number;
  stateDir?: string;
  workerId?: string;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error("expected a whole number");
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run a worker: task slots (one thread each), data plane, heartbeats to the JobManager")
    .option("-c, --config <file>", "config file (YAML or JSON), e.g. config/worker.yaml")
    .option("--jobmanager <host:port>", "the JobManager (default: BICYCLE_JOBMANAGER or 127.0.0.1:9000)")
    .option("--slots <n>", "task slots (default: BICYCLE_WORKER_SLOTS or 1)", positiveInt)
    .option("--bind <host:port>", "data-plane address (default 0.0.0.0:0, a free port)")
    .option("--rpc-bind <host:port>", "WorkerService address (default 0.0.0.0:0, a free port)")
    .option("--advertise-host <host>", "address others reach this worker at (default 127.0.0.1)")
    .option("--memory-mb <n>", "memory reported to the JobManager (default: BICYCLE_WORKER_MEMORY_MB)", nonNegative)
    .option("--state-dir <dir>", "disk state and bundle cache (default: BICYCLE_STATE_DIR or the temp dir)")
    .option("--worker-id <id>", "this worker's id (default: hostname-pid)")
    .action(async (flags: Flags) => {
      const { config, ...rest } = flags;
      const settings = resolveConfig(workerConfigSchema, "worker", config, WORKER_ENV, { ...rest });
      const workerId = settings.workerId ?? `${hostname()}-${process.pid}`;
      const rpcBind = splitHostPort(settings.rpcBind);
      const dataBind = splitHostPort(settings.bind);
      // The WorkerService must listen before registering (its port is part of the registration), so it
      // forwards to the executor once that exists.
      const holder: { executor: TaskExecutor | null } = { executor: null };
      const ready = (): TaskExecutor => {
        const executor = holder.executor;
        if (executor === null) throw new RpcError("the worker is starting", "FAILED_PRECONDITION", { code: "WORKER_STARTING", domain: "external", retriable: true });
        return executor;
      };
      const server = await serveWorker(
        {
          deployTasks: (r) => ready().deployTasks(r),
          cancelTasks: (r) => ready().cancelTasks(r),
          triggerCheckpoint: (r) => ready().triggerCheckpoint(r),
          notifyCheckpointComplete: (r) => ready().notifyCheckpointComplete(r),
          notifyCheckpointAborted: (r) => ready().notifyCheckpointAborted(r),
        },
        { host: rpcBind.hostname, port: rpcBind.port },
      );
      const jobManager = connectJobManager(settings.jobmanager);
      const entry = slotThreadEntry();
      log.info(`worker ${workerId} starting: ${settings.slots} slots, JobManager ${settings.jobmanager}`);
      const started = TaskExecutor.start({
        workerId,
        slots: settings.slots,
        host: settings.advertiseHost,
        dataBind: { hostname: dataBind.hostname, port: dataBind.port },
        rpcPort: server.port,
        memoryMb: settings.memoryMb,
        jobManager,
        createSlot: (i) => threadSlot(i, entry),
        bundleDir: join(settings.stateDir, "bundles"),
        stateDir: join(settings.stateDir, "tasks"),
        onCreated: (e) => (holder.executor = e),
      });
      const signal = await Promise.race([untilSignal(), started.then(() => untilSignal())]);
      log.info(`worker ${workerId} stopping (${signal})`);
      await holder.executor?.stop();
      await server.close();
      jobManager.close();
    });
}
