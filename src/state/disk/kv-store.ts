/**
 * @module state/disk/kv-store
 * The synchronous, ordered byte key-value store a disk backend needs: point reads, ordered range scans
 * and atomic write batches. SQLite and RocksDB implement it; the cached keyed backend sits on top.
 */

/** Receives the writes of one batch. Keys and values may be reused views: implementations copy them. */
export interface KvBatch {
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

export interface KvStore {
  /** Where the data lives (a file or directory), for error messages. */
  readonly location: string;
  get(key: Uint8Array): Buffer | undefined;
  /** Visit rows with `start <= key < end` (end null: to the last row) in key order. */
  scan(start: Uint8Array, end: Uint8Array | null, withValues: boolean, visit: (key: Buffer, value: Buffer | undefined) => void): void;
  /** Apply the writes `fill` makes as one atomic batch. */
  write(fill: (batch: KvBatch) => void): void;
  /** Close the store and delete its files; resolves when they are gone. */
  destroy(): Promise<void>;
}
