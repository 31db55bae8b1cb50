/**
 * @module state
 * State backends: the StateBackend interface and its implementations (memory/, sqlite/, rocksdb/, the
 * latter two over disk/'s write-back cache), the canonical snapshot format, and the factory that picks
 * one by name or environment. Imports only core; RocksDB's addon loads lazily.
 */
export * from "./backend.ts";
export * from "./errors.ts";
export { MemoryKeyedStateBackend, MemoryStateBackend } from "./memory/memory-keyed-backend.ts";
export { SqliteStateBackend, type SqliteStateBackendOptions } from "./sqlite/sqlite-state-backend.ts";
export { RocksDbStateBackend, type RocksDbStateBackendOptions } from "./rocksdb/rocksdb-state-backend.ts";
export { DiskKeyedStateBackend, DEFAULT_CACHE_ENTRIES, type DiskCacheOptions } from "./disk/disk-keyed-backend.ts";
export { SNAPSHOT_FORMAT } from "./snapshot-format.ts";
export {
  createStateBackend,
  defaultStateDir,
  stateBackendFromEnv,
  STATE_BACKEND_KINDS,
  type CreateStateBackendOptions,
  type StateBackendKind,
} from "./create-state-backend.ts";
