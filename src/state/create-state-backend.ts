/**
 * @module state/create-state-backend
 * Pick a state backend by name (`createStateBackend`) or from the environment
 * (`stateBackendFromEnv`: BICYCLE_STATE_BACKEND, BICYCLE_STATE_DIR).
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../core/index.ts";
import type { StateBackend } from "./backend.ts";
import type { DiskCacheOptions } from "./disk/disk-keyed-backend.ts";
import { MemoryStateBackend } from "./memory/memory-keyed-backend.ts";
import { RocksDbStateBackend } from "./rocksdb/rocksdb-state-backend.ts";
import { SqliteStateBackend } from "./sqlite/sqlite-state-backend.ts";

export type StateBackendKind = StateBackend["name"];

export const STATE_BACKEND_KINDS: readonly StateBackendKind[] = ["memory", "sqlite", "rocksdb"];

export interface CreateStateBackendOptions extends DiskCacheOptions {
  /** Directory of the disk backends' files. Default: `<os tmpdir>/bicycle-state`. */
  readonly dir?: string;
}

/** The default directory of the disk backends. */
export function defaultStateDir(): string {
  return join(tmpdir(), "bicycle-state");
}

/**
 * A state backend by name. The disk backends keep one file (SQLite) or directory (RocksDB) per keyed
 * store under `dir`; RocksDB's native addon is loaded when its first store is created.
 *
 * @example
 * const backend = createStateBackend("rocksdb", { dir: "/var/lib/bicycle/state" });
 * const store = await backend.createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * store.dispose();
 */
export function createStateBackend(kind: StateBackendKind, options: CreateStateBackendOptions = {}): StateBackend {
  const { dir = defaultStateDir(), ...tuning } = options;
  switch (kind) {
    case "memory":
      return new MemoryStateBackend();
    case "sqlite":
      return new SqliteStateBackend({ ...tuning, dir });
    case "rocksdb":
      return new RocksDbStateBackend({ ...tuning, dir });
    default:
      throw new ConfigError(`unknown state backend '${String(kind)}': expected one of ${STATE_BACKEND_KINDS.join(", ")}`);
  }
}

/**
 * The state backend the environment asks for: BICYCLE_STATE_BACKEND = memory (default) | sqlite |
 * rocksdb, files under BICYCLE_STATE_DIR (default `<os tmpdir>/bicycle-state`).
 *
 * @example
 * // BICYCLE_STATE_BACKEND=sqlite BICYCLE_STATE_DIR=/data/state bicycle run job.ts
 * const backend = stateBackendFromEnv();
 */
export function stateBackendFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): StateBackend {
  const raw = (env.BICYCLE_STATE_BACKEND ?? "").trim().toLowerCase();
  const kind = raw === "" ? "memory" : raw;
  if (!(STATE_BACKEND_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`BICYCLE_STATE_BACKEND='${env.BICYCLE_STATE_BACKEND}' is not a state backend: expected one of ${STATE_BACKEND_KINDS.join(", ")}`);
  }
  const dir = env.BICYCLE_STATE_DIR?.trim();
  return createStateBackend(kind as StateBackendKind, dir === undefined || dir === "" ? {} : { dir });
}
