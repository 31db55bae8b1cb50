/**
 * @module cluster/job-options
 * The job options a cluster job is submitted with (the StreamEnvironment options, as JSON), as the
 * JobManager reads them: checkpointing, restarts and the task settings it ships to workers. Unknown keys
 * are kept (they matter to the bundle that rebuilds the plan), paths are the JobManager's own.
 */
import { z } from "zod";
import { ConfigError } from "../core/index.ts";
import { restartStrategyConfigSchema, type RestartStrategyConfig } from "../plan/index.ts";

const ms = z.number().int().min(0);

export const ClusterJobOptionsSchema = z.looseObject({
  parallelism: z.number().int().min(1).max(1024).default(1),
  chaining: z.boolean().default(true),
  channelCapacity: z.number().int().min(1).max(1024).default(4),
  checkpointInterval: ms.default(0),
  checkpointTimeout: ms.min(1).default(60_000),
  minPauseBetweenCheckpoints: ms.default(0),
  alignmentTimeout: ms.default(10_000),
  retainedCheckpoints: z.number().int().min(1).max(1000).default(3),
  stateBackend: z.enum(["memory", "sqlite", "rocksdb"]).default("memory"),
  restartStrategy: restartStrategyConfigSchema.optional(),
  fromSavepoint: z.string().min(1).optional(),
  allowNonRestoredState: z.boolean().default(false),
});

export type ClusterJobOptions = z.output<typeof ClusterJobOptionsSchema> & { readonly restartStrategy: RestartStrategyConfig };

/** Parse a submission's options JSON; a bad value is a ConfigError naming the key. */
export function parseClusterJobOptions(json: string): ClusterJobOptions {
  let value: unknown;
  try {
    value = JSON.parse(json.length === 0 ? "{}" : json);
  } catch (error) {
    throw new ConfigError(`job options are not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ClusterJobOptionsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`invalid job options: ${parsed.error.issues.map((i) => `'${i.path.join(".") || "(options)"}': ${i.message}`).join("; ")}`);
  }
  const o = parsed.data;
  // Flink's defaults: restart (boundedly) when checkpointing is on, fail at once when it is off.
  const restartStrategy: RestartStrategyConfig =
    o.restartStrategy ?? (o.checkpointInterval > 0 ? { type: "fixed-delay", attempts: 10, delayMs: 1000 } : { type: "none" });
  return { ...o, restartStrategy };
}

/** The options a worker's StreamEnvironment is created with to rebuild the plan (no paths: those are the cluster's). */
export function envOptionsForWorkers(options: ClusterJobOptions): string {
  const { fromSavepoint: _s, stateDir: _d, checkpointDir: _c, ...rest } = options as ClusterJobOptions & { stateDir?: unknown; checkpointDir?: unknown };
  return JSON.stringify(rest);
}
