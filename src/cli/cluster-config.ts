/**
 * @module cli/cluster-config
 * Settings of the `jobmanager` and `worker` processes: a YAML/JSON config file (config/*.yaml), then
 * environment variables for keys the file leaves out, then flags, which win. Validated with zod, so a bad
 * value names its key and where it came from.
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError } from "../core/index.ts";

/** `host:port` (host may be empty for all interfaces; port 0 = any free port). */
export const hostPort = z.string().regex(/^[^:\s]*:\d{1,5}$/, "expected HOST:PORT, e.g. 0.0.0.0:9000");

export function splitHostPort(value: string): { hostname: string; port: number } {
  const i = value.lastIndexOf(":");
  const port = Number(value.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`'${value}': port must be 0..65535`);
  return { hostname: value.slice(0, i) || "0.0.0.0", port };
}

const ms = z.number().int().min(1);

export const jobManagerConfigSchema = z.strictObject({
  bind: hostPort.default("0.0.0.0:9000"),
  checkpointDir: z.string().min(1).default(join(tmpdir(), "bicycle-checkpoints")),
  heartbeatIntervalMs: ms.default(1000),
  heartbeatTimeoutMs: ms.optional(),
  slotWaitTimeoutMs: ms.default(300_000),
  /** Serve the REST API on this address too (`--web`). */
  web: hostPort.optional(),
});
export type JobManagerConfig = z.output<typeof jobManagerConfigSchema>;

export const workerConfigSchema = z.strictObject({
  jobmanager: hostPort.default("127.0.0.1:9000"),
  slots: z.number().int().min(1).max(1024).default(1),
  bind: hostPort.default("0.0.0.0:0"),
  rpcBind: hostPort.default("0.0.0.0:0"),
  advertiseHost: z.string().min(1).default("127.0.0.1"),
  memoryMb: z.number().int().min(0).default(0),
  stateDir: z.string().min(1).default(join(tmpdir(), "bicycle-state")),
  workerId: z.string().min(1).optional(),
});
export type WorkerConfig = z.output<typeof workerConfigSchema>;

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined) return {};
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  const text = readFileSync(file, "utf8");
  try {
    const parsed: unknown = file.endsWith(".json") ? JSON.parse(text) : Bun.YAML.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("expected a mapping of keys to values");
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`config file ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Numbers from the environment are numbers; anything else stays a string for the schema to judge. */
function envValue(value: string): unknown {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Merge file < env (for keys the file lacks) < flags, then validate. */
export function resolveConfig<S extends z.ZodType>(
  schema: S,
  what: string,
  file: string | undefined,
  envKeys: Readonly<Record<string, string>>,
  flags: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.output<S> {
  const merged: Record<string, unknown> = { ...readConfigFile(file) };
  for (const [key, variable] of Object.entries(envKeys)) {
    const value = env[variable];
    if (merged[key] === undefined && value !== undefined && value !== "") merged[key] = envValue(value);
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) merged[key] = value;
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.join(".") || (i.code === "unrecognized_keys" ? i.keys.join(", ") : "(config)");
      return `'${key}': ${i.message}`;
    });
    throw new ConfigError(`invalid ${what} configuration${file === undefined ? "" : ` (${file})`}: ${problems.join("; ")}`);
  }
  return parsed.data;
}

export const JOB_MANAGER_ENV = { checkpointDir: "BICYCLE_CHECKPOINT_DIR" } as const;
export const WORKER_ENV = {
  jobmanager: "BICYCLE_JOBMANAGER",
  slots: "BICYCLE_WORKER_SLOTS",
  memoryMb: "BICYCLE_WORKER_MEMORY_MB",
  stateDir: "BICYCLE_STATE_DIR",
} as const;
