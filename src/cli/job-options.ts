/**
 * @module cli/job-options
 * Job options from the command line: a config file (`--config job.yaml` or `.json`, the same keys as
 * `StreamEnvironment.create`) overridden by flags. Validation happens in the API's zod schema, so a
 * bad value names the key whichever way it was given.
 */
import { existsSync, readFileSync } from "node:fs";
import { InvalidArgumentError, type Command } from "commander";
import { ConfigError } from "../core/index.ts";
import type { EnvironmentOptions } from "../index.ts";

export interface JobOptionFlags {
  config?: string;
  parallelism?: number;
  maxParallelism?: number;
  checkpointInterval?: number;
  checkpointDir?: string;
  stateBackend?: string;
  stateDir?: string;
  fromSavepoint?: string;
  allowNonRestoredState?: boolean;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number of milliseconds");
  return n;
}

/** Add the job option flags to a command. */
export function addJobOptionFlags(command: Command): Command {
  return command
    .option("-c, --config <file>", "job options file (YAML or JSON) with the keys of StreamEnvironment.create")
    .option("-p, --parallelism <n>", "default parallelism", positiveInt)
    .option("--max-parallelism <n>", "number of key groups", positiveInt)
    .option("--checkpoint-interval <ms>", "milliseconds between checkpoints (0 = off)", nonNegativeInt)
    .option("--checkpoint-dir <dir>", "where checkpoints are written (default: BICYCLE_CHECKPOINT_DIR or the temp dir)")
    .option("--state-backend <kind>", "memory | sqlite | rocksdb (default: BICYCLE_STATE_BACKEND or memory)")
    .option("--state-dir <dir>", "where disk state backends keep their files (default: BICYCLE_STATE_DIR)")
    .option("--from-savepoint <dir>", "start from this savepoint or checkpoint directory")
    .option("--allow-non-restored-state", "start even if the savepoint has state of operators the job lacks");
}

/** The options object: the config file's keys, then the flags given. */
export function jobOptionsFrom(flags: JobOptionFlags): EnvironmentOptions {
  let fromFile: Record<string, unknown> = {};
  if (flags.config !== undefined) {
    if (!existsSync(flags.config)) throw new ConfigError(`config file not found: ${flags.config}`);
    const text = readFileSync(flags.config, "utf8");
    try {
      const parsed: unknown = flags.config.endsWith(".json") ? JSON.parse(text) : Bun.YAML.parse(text);
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("expected a mapping of option names to values");
      fromFile = parsed as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`config file ${flags.config} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const fromFlags: Record<string, unknown> = {};
  for (const key of ["parallelism", "maxParallelism", "checkpointInterval", "checkpointDir", "stateBackend", "stateDir", "fromSavepoint", "allowNonRestoredState"] as const) {
    if (flags[key] !== undefined) fromFlags[key] = flags[key];
  }
  return { ...fromFile, ...fromFlags } as EnvironmentOptions;
}
