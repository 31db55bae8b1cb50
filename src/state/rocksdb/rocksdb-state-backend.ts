/**
 * @module state/rocksdb/rocksdb-state-backend
 * The RocksDB state backend: one RocksDB directory per keyed store (operator subtask) under `dir`,
 * behind the disk backends' write-back cache. The native addon is loaded on first use only, so jobs
 * on the memory or SQLite backend never load it.
 */
import type { KeyedBackendOptions, KeyedStateBackend, StateBackend } from "../backend.ts";
import { DiskKeyedStateBackend, type DiskCacheOptions } from "../disk/disk-keyed-backend.ts";
import { storePath } from "../disk/store-path.ts";
import { StateError } from "../errors.ts";
import { openRocksDbKvStore } from "./rocksdb-kv-store.ts";

export interface RocksDbStateBackendOptions extends DiskCacheOptions {
  /** Directory for the RocksDB directories (created if missing). */
  readonly dir: string;
}

type RocksModule = typeof import("@nxtedition/rocksdb");
let loading: Promise<RocksModule> | null = null;

/** Load the native addon once per process. */
export function loadRocksDb(): Promise<RocksModule> {
  loading ??= import("@nxtedition/rocksdb").catch((e: unknown) => {
    loading = null;
    throw new StateError(`cannot load the RocksDB native addon (@nxtedition/rocksdb): ${(e as Error).message}`, e);
  });
  return loading;
}

/**
 * Keyed state in RocksDB: larger than the heap, LSM writes.
 *
 * @example
 * const backend = new RocksDbStateBackend({ dir: "/var/lib/bicycle/state" });
 * const store = await backend.createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * store.setCurrentKey("user-1");
 * store.getValueState<number>({ kind: "value", name: "count" }).update(1);
 * store.dispose(); // closes and deletes the directory
 */
export class RocksDbStateBackend implements StateBackend {
  readonly name = "rocksdb";

  constructor(readonly config: RocksDbStateBackendOptions) {}

  async createKeyedBackend(options: KeyedBackendOptions): Promise<KeyedStateBackend> {
    const { RocksLevel } = await loadRocksDb();
    const dir = await storePath(this.config.dir, options, ".rocksdb");
    let kv;
    try {
      kv = await openRocksDbKvStore(RocksLevel, dir);
    } catch (e) {
      throw new StateError(`cannot open RocksDB state directory ${dir} of operator ${options.operatorId}: ${(e as Error).message}`, e);
    }
    return new DiskKeyedStateBackend(options, kv, "rocksdb", this.config);
  }
}
