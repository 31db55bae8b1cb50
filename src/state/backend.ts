/**
 * @module state/backend
 * The StateBackend interface: a factory of keyed state stores, one per operator subtask, each holding
 * the state of the key groups its subtask owns. Implementations live in one subfolder each
 * (memory/, sqlite/, rocksdb/). Snapshots use one canonical, backend-independent format whose entries
 * carry their key group, so a snapshot restores into any backend and at any parallelism (each store
 * keeps the entries of its own key-group range).
 */
import type { KeyGroupRange, KeyedStateStore } from "../core/index.ts";

/**
 * What a keyed store is for: the operator (named in errors and file names), the key groups its subtask
 * owns, and the max parallelism key groups are computed with.
 *
 * @example
 * const options: KeyedBackendOptions = { operatorId: "window-1", keyGroupRange: keyGroupRangeFor(0, 2, 128), maxParallelism: 128 };
 */
export interface KeyedBackendOptions {
  readonly operatorId: string;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
  /** The processing-time clock TTL is measured with (epoch ms); `Date.now` unless a test injects one. */
  readonly now?: () => number;
}

/** Which state kinds exist (the `kind` of a StateDescriptor). */
export type StateKind = "value" | "list" | "map" | "reducing";

/**
 * One state entry: its key group, the *normalized* key (see core `normalizeKey`), the map key for map
 * state (null otherwise), and the value (for list state the whole array). Values are structured-clone
 * data. Entries with a TTL carry the write time in epoch ms; others carry null.
 */
export type StateEntry = [keyGroup: number, key: unknown, userKey: unknown, value: unknown, writtenAtMs: number | null];

/**
 * The canonical snapshot of one keyed store: plain structured-clone data, the same from every backend.
 *
 * @example
 * const snapshot: KeyedStateSnapshot = {
 *   format: "bicycle-keyed-state/1",
 *   operatorId: "count",
 *   maxParallelism: 128,
 *   keyGroupRange: { start: 0, end: 127 },
 *   states: [{ name: "count", kind: "value", ttlMs: null, entries: [[keyGroupOf("user-1", 128), "user-1", null, 3, null]] }],
 * };
 */
export interface KeyedStateSnapshot {
  readonly format: "bicycle-keyed-state/1";
  readonly operatorId: string;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  readonly states: ReadonlyArray<{ readonly name: string; readonly kind: StateKind; readonly ttlMs: number | null; readonly entries: readonly StateEntry[] }>;
}

/**
 * Keyed state of one operator subtask.
 *
 * @example
 * const store = await new MemoryStateBackend().createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * const count = store.getValueState<number>({ kind: "value", name: "count", defaultValue: 0 });
 * store.setCurrentKey("user-1");
 * count.update(count.value()! + 1);
 * const snapshot = store.snapshot(1);
 * // Half the parallelism later: each store keeps its own key groups.
 * const half = await new MemoryStateBackend().createKeyedBackend({ operatorId: "count", keyGroupRange: keyGroupRangeFor(0, 2, 128), maxParallelism: 128 });
 * half.restore([snapshot]);
 */
export interface KeyedStateBackend extends KeyedStateStore {
  readonly options: KeyedBackendOptions;
  /**
   * A consistent copy of every entry, taken synchronously (the task calls it at the barrier, between
   * two batches); later writes do not change it.
   */
  snapshot(checkpointId: number): KeyedStateSnapshot;
  /**
   * Load entries from snapshots of any parallelism, keeping those whose key group lies in this
   * store's range. Called before the operator opens, on an empty store.
   */
  restore(snapshots: readonly KeyedStateSnapshot[]): void;
  /** Release everything (files included for disk backends). */
  dispose(): void;
}

/**
 * A factory of keyed stores: heap (`MemoryStateBackend`), SQLite or RocksDB files under a directory.
 *
 * @example
 * const backend: StateBackend = createStateBackend("sqlite", { dir: "/var/lib/bicycle/state" });
 * const store = await backend.createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * store.dispose();
 */
export interface StateBackend {
  readonly name: "memory" | "sqlite" | "rocksdb";
  /** Disk backends open their files here, hence async. */
  createKeyedBackend(options: KeyedBackendOptions): Promise<KeyedStateBackend>;
}
