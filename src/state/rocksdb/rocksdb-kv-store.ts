/**
 * @module state/rocksdb/rocksdb-kv-store
 * A KvStore in one RocksDB directory (@nxtedition/rocksdb): synchronous point reads, paged range
 * scans and one reused native WriteBatch applied synchronously per write batch.
 */
import type { RocksChainedBatch, RocksLevel } from "@nxtedition/rocksdb";
import { rm } from "node:fs/promises";
import type { KvBatch, KvStore } from "../disk/kv-store.ts";

/** Rows fetched per native call while scanning. */
const SCAN_PAGE = 8_192;

export class RocksDbKvStore implements KvStore {
  private readonly native: RocksChainedBatch;
  private readonly batch: KvBatch;
  private readonly one: Uint8Array[] = [new Uint8Array(0)];

  /** Wraps an opened database; see `openRocksDbKvStore`. */
  constructor(
    private readonly db: RocksLevel,
    readonly location: string,
  ) {
    const native = db.batch();
    this.native = native;
    this.batch = {
      put: (k, v) => native._put(k, v),
      del: (k) => native._del(k),
    };
  }

  get(key: Uint8Array): Buffer | undefined {
    this.one[0] = key;
    const value = this.db._getManySync(this.one)[0];
    // null: the read was aborted (it has no deadline, so this is not expected); never read it as "absent".
    if (value === null) throw new Error(`RocksDB read aborted in ${this.location}`);
    return value;
  }

  scan(start: Uint8Array, end: Uint8Array | null, withValues: boolean, visit: (key: Buffer, value: Buffer | undefined) => void): void {
    let lower: { gte: Uint8Array } | { gt: Uint8Array } = { gte: start };
    const upper = end === null ? {} : { lt: end };
    for (;;) {
      const { rows } = this.db.querySync({ ...lower, ...upper, limit: SCAN_PAGE, keys: true, values: withValues, keyEncoding: "buffer", valueEncoding: "buffer" });
      for (let i = 0; i < rows.length; i += 2) visit(rows[i]!, rows[i + 1]);
      if (rows.length < SCAN_PAGE * 2) return;
      lower = { gt: rows[rows.length - 2]! };
    }
  }

  write(fill: (batch: KvBatch) => void): void {
    try {
      fill(this.batch);
      this.native._writeSync();
    } finally {
      this.native._clear();
    }
  }

  async destroy(): Promise<void> {
    await this.db.close();
    await rm(this.location, { recursive: true, force: true });
  }
}

/** Open (creating) a fresh RocksDB directory with options suited to keyed state. */
export async function openRocksDbKvStore(RocksLevelClass: typeof RocksLevel, dir: string): Promise<RocksDbKvStore> {
  const db = new RocksLevelClass(dir, { keyEncoding: "buffer", valueEncoding: "buffer" });
  await db.open({
    createIfMissing: true,
    errorIfExists: true,
    // Few background threads per store: a worker runs many stores.
    parallelism: 2,
    cacheSize: 32 << 20,
    // Hash index in data blocks and a memtable bloom filter: state access is point lookups.
    optimize: "point-lookup",
  });
  return new RocksDbKvStore(db, dir);
}
