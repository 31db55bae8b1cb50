/**
 * @module api/options
 * The job options object, validated with zod: a bad value names the key and what it takes.
 */
import { z } from "zod";
import { ConfigError, DEFAULT_MAX_PARALLELISM } from "../core/index.ts";

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
  })
  .strict();

export type EnvironmentOptions = z.input<typeof environmentOptionsSchema>;
export type ResolvedEnvironmentOptions = z.output<typeof environmentOptionsSchema>;

/** Validate options; throws ConfigError listing each bad key with what it accepts. */
export function resolveOptions(options: EnvironmentOptions = {}): ResolvedEnvironmentOptions {
  const parsed = environmentOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join(".") || (issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "(options)");
      return `'${key}': ${issue.message}`;
    });
    throw new ConfigError(`invalid job options: ${problems.join("; ")}`);
  }
  if (parsed.data.parallelism > parsed.data.maxParallelism) {
    throw new ConfigError(`invalid job options: 'parallelism' (${parsed.data.parallelism}) must not exceed 'maxParallelism' (${parsed.data.maxParallelism})`);
  }
  return parsed.data;
}
