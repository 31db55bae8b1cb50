/**
 * @module state
 * State backends: the StateBackend interface and its implementations (memory now; SQLite and RocksDB
 * arrive with checkpoints). Imports only core.
 */
export * from "./backend.ts";
export * from "./errors.ts";
export { MemoryKeyedStateBackend, MemoryStateBackend } from "./memory/memory-keyed-backend.ts";
