/**
 * @module api/options
 * The job options object, validated with zod: a bad value names the key and what it takes. The same
 * object configures jobs from the API, the CLI (flags and config files) and SQL (`SET 'key' = 'value'`).
 * Unset state and checkpoint locations fall back to BICYCLE_STATE_BACKEND, BICYCLE_STATE_DIR and
 * BICYCLE_CHECKPOINT_DIR.
 */
import { z } from "zod";
import { ConfigError, DEFAULT_MAX_PARALLELISM } from "../core/index.ts";
import { restartStrategyConfigSchema, type RestartStrategyConfig } from "../plan/index.ts";

const ms = (what: string) => z.number({ error: `expected ${what} in milliseconds` }).int().min(0);

export const STATE_BACKENDS = ["memory", "sqlite", "rocksdb"] as const;

export const environmentOptionsSchema = z
  .object({
    /** Default parallelism of every operator. */
    parallelism: z.number().int().min(1).max(1024).default(1),
    /** Upper bound of parallelism for keyed state: the number of key groups. */
    maxParallelism: z.number().int().min(1).max(32768).default(DEFAULT_MAX_PARALLELISM),
    /** Fuse forward edges into operator chains. */
    chaining: z.boolean().default(true),
    /** Records per batch emitted by built-in sources. */
    batchSize: z.number().int().min(1).max(1_000_000).default(1024),
    /** Buffers (batches) a consumer grants per channel: the backpressure bound. */
    channelCapacity: z.number().int().min(1).max(1024).default(4),
    /** Milliseconds between periodic checkpoints; 0 turns checkpointing off. */
    checkpointInterval: ms("an interval").default(0),
    /** A checkpoint not complete after this long is aborted. */
    checkpointTimeout: ms("a timeout").min(1).default(60_000),
    /** Least time between the end of one checkpoint and the start of the next. */
    minPauseBetweenCheckpoints: ms("a pause").default(0),
    /** Barrier alignment taking longer switches that checkpoint to unaligned; 0 = always aligned. */
    alignmentTimeout: ms("a timeout").default(10_000),
    /** Completed checkpoints kept on disk. */
    retainedCheckpoints: z.number().int().min(1).max(1000).default(3),
    stateBackend: z.enum(STATE_BACKENDS).optional(),
    /** Where disk state backends keep their files. */
    stateDir: z.string().min(1).optional(),
    /** Where checkpoints are written (a folder per job inside). */
    checkpointDir: z.string().min(1).optional(),
    restartStrategy: restartStrategyConfigSchema.optional(),
    /** Start from this savepoint or checkpoint directory. */
    fromSavepoint: z.string().min(1).optional(),
    /** Start even if the savepoint holds state of operators the job no longer has. */
    allowNonRestoredState: z.boolean().default(false),
  })
  .strict();

export type EnvironmentOptions = z.input<typeof environmentOptionsSchema>;
export type ResolvedEnvironmentOptions = z.output<typeof environmentOptionsSchema> & {
  readonly stateBackend: (typeof STATE_BACKENDS)[number];
  readonly restartStrategy: RestartStrategyConfig;
};

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "(options)");
      return `'${key}': ${issue.message}`;
    })
    .join("; ");
}

/** Validate options; throws ConfigError listing each bad key with what it accepts. */
export function resolveOptions(options: EnvironmentOptions = {}, env: Record<string, string | undefined> = process.env): ResolvedEnvironmentOptions {
  const fromEnv: Record<string, unknown> = {};
  if (options.stateBackend === undefined && env.BICYCLE_STATE_BACKEND) fromEnv.stateBackend = env.BICYCLE_STATE_BACKEND;
  if (options.stateDir === undefined && env.BICYCLE_STATE_DIR) fromEnv.stateDir = env.BICYCLE_STATE_DIR;
  if (options.checkpointDir === undefined && env.BICYCLE_CHECKPOINT_DIR) fromEnv.checkpointDir = env.BICYCLE_CHECKPOINT_DIR;
  const parsed = environmentOptionsSchema.safeParse({ ...options, ...fromEnv });
  if (!parsed.success) throw new ConfigError(`invalid job options: ${describeIssues(parsed.error)}`);
  const o = parsed.data;
  if (o.parallelism > o.maxParallelism) {
    throw new ConfigError(`invalid job options: 'parallelism' (${o.parallelism}) must not exceed 'maxParallelism' (${o.maxParallelism})`);
  }
  // Flink's defaults: restart (boundedly) when checkpointing is on, fail at once when it is off.
  const restartStrategy: RestartStrategyConfig =
    o.restartStrategy ?? (o.checkpointInterval > 0 ? { type: "fixed-delay", attempts: 10, delayMs: 1000 } : { type: "none" });
  return { ...o, stateBackend: o.stateBackend ?? "memory", restartStrategy };
}
