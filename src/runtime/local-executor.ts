/**
 * @module runtime/local-executor
 * Runs a job inside this process: the entry point of `env.execute()`, `bicycle run` and tests. Each
 * subtask of each vertex becomes a StreamTask joined by bounded, credit-based LocalChannels; a
 * LocalJobRunner adds checkpoints, recovery and savepoints. The cluster's MiniCluster reuses the same
 * task builder with remote channels where needed.
 */
import { join } from "node:path";
import { checkConnectorAvailability } from "../connectors/index.ts";
import type { JobDefinition, RestartStrategyConfig } from "../plan/index.ts";
import { createStateBackend, defaultStateDir, type StateBackend } from "../state/index.ts";
import { DEFAULT_CHANNEL_CAPACITY } from "./channels/local-channel.ts";
import { LocalJobRunner, type JobExecutionResult, type RunningJob } from "./local/job-runner.ts";

export type { JobExecutionResult, OperatorMetrics, RunningJob } from "./local/job-runner.ts";

export interface LocalExecutionOptions {
  /** Fuse forward edges into operator chains (default true). */
  readonly chaining?: boolean;
  /** Buffers (batches) each consumer grants per channel (default 4). */
  readonly channelCapacity?: number;
  /** A state backend instance (tests), or a kind with `stateDir`. Default memory. */
  readonly stateBackend?: StateBackend | "memory" | "sqlite" | "rocksdb";
  readonly stateDir?: string;
  /** Milliseconds between checkpoints; 0 (default) = no periodic checkpoints. */
  readonly checkpointInterval?: number;
  readonly checkpointTimeout?: number;
  readonly minPauseBetweenCheckpoints?: number;
  readonly alignmentTimeout?: number;
  readonly retainedCheckpoints?: number;
  readonly checkpointDir?: string;
  readonly restartStrategy?: RestartStrategyConfig;
  readonly fromSavepoint?: string;
  readonly allowNonRestoredState?: boolean;
  /** Called once the job runs, with a handle to cancel it or take savepoints. */
  readonly onStart?: (handle: RunningJob) => void;
  /** Test hook: runs before each task snapshot is written; throwing fails that task (failure injection). */
  readonly beforeSnapshotWrite?: (taskId: string, checkpointId: number) => void;
}

export async function executeLocally(job: JobDefinition, options: LocalExecutionOptions = {}): Promise<JobExecutionResult> {
  checkConnectorAvailability(job.plan); // e.g. Pulsar: a PlanError now, not when a task starts
  const backend = options.stateBackend ?? "memory";
  const runner = new LocalJobRunner(job, {
    chaining: options.chaining ?? true,
    channelCapacity: options.channelCapacity ?? DEFAULT_CHANNEL_CAPACITY,
    checkpointInterval: options.checkpointInterval ?? 0,
    checkpointTimeout: options.checkpointTimeout ?? 60_000,
    minPauseBetweenCheckpoints: options.minPauseBetweenCheckpoints ?? 0,
    alignmentTimeout: options.alignmentTimeout ?? 10_000,
    retainedCheckpoints: options.retainedCheckpoints ?? 3,
    checkpointDir: options.checkpointDir,
    restartStrategy: options.restartStrategy ?? { type: "none" },
    fromSavepoint: options.fromSavepoint,
    allowNonRestoredState: options.allowNonRestoredState ?? false,
    createStateBackend: (attempt) =>
      typeof backend === "string"
        ? createStateBackend(backend, { dir: join(options.stateDir ?? defaultStateDir(), `${job.plan.name.replace(/[^a-zA-Z0-9_.-]+/g, "_")}-${process.pid}-${Date.now()}-${attempt}`) })
        : backend,
    ...(options.beforeSnapshotWrite === undefined ? {} : { beforeSnapshotWrite: options.beforeSnapshotWrite }),
  });
  options.onStart?.(runner);
  return runner.run();
}
