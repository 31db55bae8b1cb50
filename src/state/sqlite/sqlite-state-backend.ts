/**
 * @module state/sqlite/sqlite-state-backend
 * The SQLite state backend: one database file per keyed store (operator subtask) under `dir`, behind
 * the disk backends' write-back cache.
 */
import type { KeyedBackendOptions, KeyedStateBackend, StateBackend } from "../backend.ts";
import { DiskKeyedStateBackend, type DiskCacheOptions } from "../disk/disk-keyed-backend.ts";
import { storePath } from "../disk/store-path.ts";
import { StateError } from "../errors.ts";
import { SqliteKvStore } from "./sqlite-kv-store.ts";

export interface SqliteStateBackendOptions extends DiskCacheOptions {
  /** Directory for the database files (created if missing). */
  readonly dir: string;
}

/**
 * Keyed state in SQLite files: larger than the heap, built into Bun.
 *
 * @example
 * const backend = new SqliteStateBackend({ dir: "/var/lib/bicycle/state" });
 * const store = await backend.createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * store.setCurrentKey("user-1");
 * store.getValueState<number>({ kind: "value", name: "count" }).update(1);
 * store.dispose(); // closes and deletes the file
 */
export class SqliteStateBackend implements StateBackend {
  readonly name = "sqlite";

  constructor(readonly config: SqliteStateBackendOptions) {}

  async createKeyedBackend(options: KeyedBackendOptions): Promise<KeyedStateBackend> {
    const file = await storePath(this.config.dir, options, ".sqlite");
    let kv: SqliteKvStore;
    try {
      kv = new SqliteKvStore(file);
    } catch (e) {
      throw new StateError(`cannot open SQLite state file ${file} of operator ${options.operatorId}: ${(e as Error).message}`, e);
    }
    return new DiskKeyedStateBackend(options, kv, "sqlite", this.config);
  }
}
