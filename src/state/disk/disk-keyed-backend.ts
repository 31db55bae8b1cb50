/**
 * @module state/disk/disk-keyed-backend
 * The keyed state backend of the disk stores (SQLite, RocksDB): state handles over a write-back
 * cache over a KvStore (see write-back-cache.ts for the cache and flush policy, row-codec.ts for the
 * row layout). Snapshots flush and then scan the whole store into the canonical format.
 */
import { denormalizeKey, keyGroupOf, normalizeKey } from "../../core/index.ts";
import type {
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  StateTtl,
  ValueState,
  ValueStateDescriptor,
} from "../../core/index.ts";
import type { KeyedBackendOptions, KeyedStateBackend, KeyedStateSnapshot, StateEntry, StateKind } from "../backend.ts";
import { ByteWriter } from "../byte-writer.ts";
import { StateError } from "../errors.ts";
import { buildSnapshot, checkKind, checkRestorable, inRange, isExpired } from "../snapshot-format.ts";
import { diskListHandle, diskMapHandle, diskReducingHandle, diskValueHandle, type DiskHandleContext } from "./disk-handles.ts";
import type { KvStore } from "./kv-store.ts";
import { readKeyPart, rowValue, rowWrittenAt, writeKeyPart, writeRowKey, writeRowValue } from "./row-codec.ts";
import { DiskTable } from "./slot.ts";
import { WriteBackCache } from "./write-back-cache.ts";

/** Cache tuning of the disk backends. */
export interface DiskCacheOptions {
  /** Entries (keys, plus map entries) cached per keyed store. Default 262,144. */
  readonly cacheEntries?: number;
  /**
   * Dirty keys that trigger a write batch of all of them. Default: `cacheEntries`, so dirty keys may
   * fill the cache and are written when evicted (in batches of their own) or at the next snapshot.
   * Lower it to shorten the write at a snapshot, at the cost of writing hot keys more often.
   */
  readonly writeBatchSize?: number;
}

export const DEFAULT_CACHE_ENTRIES = 262_144;
/** Rows per write batch when restoring. */
const RESTORE_BATCH = 16_384;
const NO_KEY = Symbol("no key");

export class DiskKeyedStateBackend implements KeyedStateBackend {
  private readonly cursor = { current: undefined as unknown };
  private currentKey: unknown = undefined;
  private readonly tables = new Map<string, DiskTable>();
  /** Tables by row-key state id. */
  private readonly byId: DiskTable[] = [];
  private readonly cache: WriteBackCache;
  private readonly now: () => number;
  /** "operator <id> (<backend> <file>)", for messages. */
  readonly where: string;
  private disposed = false;
  /** Settles once dispose() has closed the store and deleted its files. */
  closed: Promise<void> | null = null;

  constructor(
    readonly options: KeyedBackendOptions,
    private readonly kv: KvStore,
    backendName: string,
    tuning: DiskCacheOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.where = `operator ${options.operatorId} (${backendName} ${kv.location})`;
    const capacity = Math.max(16, tuning.cacheEntries ?? DEFAULT_CACHE_ENTRIES);
    const maxDirty = Math.max(1, Math.min(tuning.writeBatchSize ?? capacity, capacity));
    this.cache = new WriteBackCache(kv, () => this.tables.values(), { capacity, maxDirty }, this.where);
  }

  setCurrentKey(key: unknown): void {
    this.currentKey = key;
    this.cursor.current = normalizeKey(key);
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  private assertOpen(what: string): void {
    if (this.disposed) throw new StateError(`${what} on ${this.where} after dispose()`);
  }

  private table(name: string, kind: StateKind, ttlMs: number | null): DiskTable {
    let t = this.tables.get(name);
    if (t === undefined) {
      if (this.byId.length > 0xffff) throw new StateError(`too many states (65,536) in ${this.where}`);
      t = new DiskTable(this.byId.length, name, kind, ttlMs);
      this.tables.set(name, t);
      this.byId.push(t);
      return t;
    }
    checkKind(name, t.kind, kind, this.options.operatorId, `${this.where}`);
    // Rows carry their own write time, so a changed TTL needs no conversion.
    t.ttlMs = ttlMs;
    return t;
  }

  private handle<H>(name: string, kind: StateKind, ttl: StateTtl | undefined, make: (c: DiskHandleContext) => H): H {
    this.assertOpen(`getting state '${name}'`);
    const ttlMs = ttl?.ttlMs ?? null;
    if (ttlMs !== null && !(ttlMs > 0)) throw new StateError(`state '${name}' of ${this.where}: ttlMs must be > 0, got ${ttlMs}`);
    const t = this.table(name, kind, ttlMs);
    if (t.handle !== undefined && t.handle.ttlMs === ttlMs) return t.handle.h as H;
    const h = make({ cache: this.cache, t, cursor: this.cursor, clock: { ttlMs, now: this.now } });
    t.handle = { ttlMs, h };
    return h;
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.handle(d.name, "value", d.ttl, (c) => diskValueHandle<T>(c, d.defaultValue));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.handle(d.name, "list", d.ttl, (c) => diskListHandle<T>(c));
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.handle(d.name, "map", d.ttl, (c) => diskMapHandle<K, V>(c));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.handle(d.name, "reducing", d.ttl, (c) => diskReducingHandle<T>(c, d.reduce));
  }

  /** Write every cached change to the store now (snapshot, keys() and restore do this themselves). */
  flush(): void {
    if (!this.disposed) this.cache.flush();
  }

  *keys(stateName: string): IterableIterator<unknown> {
    const t = this.tables.get(stateName);
    if (this.disposed || t === undefined) return;
    this.cache.flush();
    const ttl = t.ttlMs;
    const now = this.now();
    const out: unknown[] = [];
    let prev: unknown = NO_KEY;
    this.kv.scan(stateIdKey(t.id), t.id < 0xffff ? stateIdKey(t.id + 1) : null, ttl !== null, (k, v) => {
      if (ttl !== null && now - rowWrittenAt(v!) >= ttl) return;
      const nk = readKeyPart(k, 2)[0];
      if (Object.is(nk, prev)) return; // further rows of one map
      prev = nk;
      out.push(denormalizeKey(nk));
    });
    yield* out;
  }

  snapshot(_checkpointId: number): KeyedStateSnapshot {
    this.assertOpen("snapshot");
    this.cache.flush();
    const maxParallelism = this.options.maxParallelism;
    const now = this.now();
    const entriesById: StateEntry[][] = this.byId.map(() => []);
    let prevNk: unknown = NO_KEY;
    let prevKg = 0;
    try {
      this.kv.scan(Buffer.alloc(0), null, true, (k, v) => {
        const id = k.readUInt16BE(0);
        const t = this.byId[id];
        if (t === undefined) throw new StateError(`unknown state id ${id} in ${this.where}`);
        const at = rowWrittenAt(v!);
        if (t.ttlMs !== null && now - at >= t.ttlMs) return;
        const [nk, next] = readKeyPart(k, 2);
        if (!Object.is(nk, prevNk)) {
          prevNk = nk;
          prevKg = keyGroupOf(denormalizeKey(nk), maxParallelism);
        }
        const uk = t.kind === "map" ? denormalizeKey(readKeyPart(k, next)[0]) : null;
        entriesById[id]!.push([prevKg, nk, uk, rowValue(v!), Number.isNaN(at) ? null : at]);
      });
    } catch (e) {
      if (e instanceof StateError) throw e;
      throw new StateError(`snapshot of ${this.where} failed: ${(e as Error).message}`, e);
    }
    const states = this.byId.map((t) => ({ name: t.name, kind: t.kind, ttlMs: t.ttlMs, entries: entriesById[t.id]! }));
    return buildSnapshot(this.options, states);
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): void {
    this.assertOpen("restore");
    this.cache.flush();
    this.cache.clear();
    const range = this.options.keyGroupRange;
    const now = this.now();
    const key = new ByteWriter();
    const value = new ByteWriter();
    for (const snapshot of snapshots) {
      checkRestorable(snapshot, this.options, this.where);
      for (const s of snapshot.states) {
        // A state registered already keeps its TTL setting; rows carry their own write times anyway.
        const existing = this.tables.get(s.name);
        if (existing !== undefined) checkKind(s.name, existing.kind, s.kind, this.options.operatorId, this.where);
        const t = existing ?? this.table(s.name, s.kind, s.ttlMs);
        const entries = s.entries;
        for (let from = 0; from < entries.length; from += RESTORE_BATCH) {
          const to = Math.min(entries.length, from + RESTORE_BATCH);
          this.kv.write((batch) => {
            for (let i = from; i < to; i++) {
              const [kg, nk, uk, v, at] = entries[i]!;
              if (!inRange(kg, range) || isExpired(at, s.ttlMs, now)) continue;
              writeRowKey(key.reset(), t.id, nk);
              if (s.kind === "map") writeKeyPart(key, normalizeKey(uk));
              writeRowValue(value.reset(), v, at ?? Number.NaN);
              batch.put(key.view(), value.view());
            }
          });
        }
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cache.clear();
    this.tables.clear();
    this.closed = this.kv.destroy();
    // Whoever awaits `closed` sees a failure; nobody awaiting must not crash the process.
    this.closed.catch(() => undefined);
  }
}

function stateIdKey(id: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(id, 0);
  return b;
}
