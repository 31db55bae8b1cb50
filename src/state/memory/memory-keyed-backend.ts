/**
 * @module state/memory/memory-keyed-backend
 * Heap keyed state: one Map per state name from normalized key to value. Handles are created once
 * per descriptor and read the current key on every call, so a value-state access without TTL is one
 * Map lookup. Snapshots deep-copy values; restore copies them in again.
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
import type { KeyedBackendOptions, KeyedStateBackend, KeyedStateSnapshot, StateBackend, StateEntry, StateKind } from "../backend.ts";
import { StateError } from "../errors.ts";
import { copyValue } from "../serde.ts";
import { buildSnapshot, checkKind, checkRestorable, inRange, isExpired, type SnapshotState } from "../snapshot-format.ts";
import { listHandle, mapHandle, reducingHandle, valueHandle, type Table } from "./memory-handles.ts";
import { Cell, ttlListHandle, ttlMapHandle, ttlReducingHandle, ttlValueHandle, type TtlClock } from "./memory-ttl-handles.ts";

interface MemoryTable {
  readonly kind: StateKind;
  /** Null: values are stored as they are; a number: wrapped in Cells with their write time. */
  ttlMs: number | null;
  readonly map: Table;
  /** The handle handed out for this state, and the TTL it was made for. */
  handle?: { readonly ttlMs: number | null; readonly h: unknown };
}

export class MemoryKeyedStateBackend implements KeyedStateBackend {
  /** Normalized current key, shared with every handle. */
  private readonly cursor = { current: undefined as unknown };
  private currentKey: unknown = undefined;
  private readonly tables = new Map<string, MemoryTable>();
  private readonly now: () => number;

  constructor(readonly options: KeyedBackendOptions) {
    this.now = options.now ?? Date.now;
  }

  setCurrentKey(key: unknown): void {
    // Composite keys are new arrays per record and normalize to JSON; a run of records with the same
    // key (rows of one window) keeps the normalized form instead of re-serializing it per record.
    if (Array.isArray(key) && Array.isArray(this.currentKey) && samePrimitives(key, this.currentKey)) {
      this.currentKey = key;
      return;
    }
    this.currentKey = key;
    this.cursor.current = normalizeKey(key);
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  /** The table of state `name`, created on first use; converted in place if its TTL setting changed. */
  private table(name: string, kind: StateKind, ttlMs: number | null): MemoryTable {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = { kind, ttlMs, map: new Map() };
      this.tables.set(name, t);
      return t;
    }
    checkKind(name, t.kind, kind, this.options.operatorId, "memory backend");
    if (t.ttlMs !== ttlMs) {
      if ((t.ttlMs === null) !== (ttlMs === null)) convertLayout(t, ttlMs !== null, this.now());
      t.ttlMs = ttlMs;
    }
    return t;
  }

  /** The cached handle of a state, or a new one from `make` (given the TTL clock, if any). */
  private handle<H>(name: string, kind: StateKind, ttl: StateTtl | undefined, make: (t: MemoryTable, clock: TtlClock | null) => H): H {
    const ttlMs = ttl?.ttlMs ?? null;
    if (ttlMs !== null && !(ttlMs > 0)) throw new StateError(`state '${name}' of operator ${this.options.operatorId}: ttlMs must be > 0, got ${ttlMs}`);
    const t = this.table(name, kind, ttlMs);
    if (t.handle !== undefined && t.handle.ttlMs === ttlMs) return t.handle.h as H;
    const h = make(t, ttlMs === null ? null : { ttlMs, now: this.now });
    t.handle = { ttlMs, h };
    return h;
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.handle(d.name, "value", d.ttl, (t, clock) =>
      clock === null ? valueHandle<T>(t.map, this.cursor, d.defaultValue) : ttlValueHandle<T>(t.map, this.cursor, d.defaultValue, clock),
    );
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.handle(d.name, "list", d.ttl, (t, clock) => (clock === null ? listHandle<T>(t.map, this.cursor) : ttlListHandle<T>(t.map, this.cursor, clock)));
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.handle(d.name, "map", d.ttl, (t, clock) => (clock === null ? mapHandle<K, V>(t.map, this.cursor) : ttlMapHandle<K, V>(t.map, this.cursor, clock)));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.handle(d.name, "reducing", d.ttl, (t, clock) =>
      clock === null ? reducingHandle<T>(t.map, this.cursor, d.reduce) : ttlReducingHandle<T>(t.map, this.cursor, d.reduce, clock),
    );
  }

  *keys(stateName: string): IterableIterator<unknown> {
    const t = this.tables.get(stateName);
    if (t === undefined) return;
    const now = this.now();
    const out: unknown[] = [];
    for (const [nk, stored] of t.map) {
      if (t.ttlMs !== null && !hasLiveCell(stored, t.kind, t.ttlMs, now)) continue;
      out.push(denormalizeKey(nk));
    }
    yield* out;
  }

  snapshot(_checkpointId: number): KeyedStateSnapshot {
    const maxParallelism = this.options.maxParallelism;
    const now = this.now();
    const states: SnapshotState[] = [];
    for (const [name, t] of this.tables) {
      try {
        states.push({ name, kind: t.kind, ttlMs: t.ttlMs, entries: snapshotEntries(t, maxParallelism, now) });
      } catch (e) {
        throw new StateError(`snapshot of state '${name}' of operator ${this.options.operatorId} (memory backend) failed: ${(e as Error).message}`, e);
      }
    }
    return buildSnapshot(this.options, states);
  }

  restore(snapshots: readonly KeyedStateSnapshot[]): void {
    const range = this.options.keyGroupRange;
    const now = this.now();
    for (const snapshot of snapshots) {
      checkRestorable(snapshot, this.options, `operator ${this.options.operatorId} (memory backend)`);
      for (const s of snapshot.states) {
        // A table that exists already keeps its layout (its handles rely on it); entries adapt to it.
        const existing = this.tables.get(s.name);
        if (existing !== undefined) checkKind(s.name, existing.kind, s.kind, this.options.operatorId, "memory backend");
        const t = existing ?? this.table(s.name, s.kind, s.ttlMs);
        const wrap = t.ttlMs !== null;
        for (const [kg, nk, uk, v, at] of s.entries) {
          if (!inRange(kg, range) || isExpired(at, s.ttlMs, now)) continue;
          const stored = wrap ? new Cell(copyValue(v), at ?? now) : copyValue(v);
          if (s.kind === "map") {
            let m = t.map.get(nk) as Map<unknown, unknown> | undefined;
            if (m === undefined) {
              m = new Map();
              t.map.set(nk, m);
            }
            m.set(normalizeKey(uk), stored);
          } else {
            t.map.set(nk, stored);
          }
        }
      }
    }
  }

  dispose(): void {
    for (const t of this.tables.values()) t.map.clear();
    this.tables.clear();
  }
}

/** Whether a stored TTL value (a Cell, or a Map of Cells for map state) still has a live cell. */
function hasLiveCell(stored: unknown, kind: StateKind, ttlMs: number, now: number): boolean {
  if (kind !== "map") return !isExpired((stored as Cell).at, ttlMs, now);
  for (const c of (stored as Map<unknown, Cell>).values()) if (!isExpired(c.at, ttlMs, now)) return true;
  return false;
}

/** The canonical entries of one table: key groups from the original keys, values deep-copied. */
function snapshotEntries(t: MemoryTable, maxParallelism: number, now: number): StateEntry[] {
  const entries: StateEntry[] = [];
  const ttl = t.ttlMs;
  for (const [nk, stored] of t.map) {
    const kg = keyGroupOf(denormalizeKey(nk), maxParallelism);
    if (t.kind === "map") {
      for (const [nuk, sv] of stored as Map<unknown, unknown>) {
        if (ttl === null) entries.push([kg, nk, denormalizeKey(nuk), copyValue(sv), null]);
        else if (!isExpired((sv as Cell).at, ttl, now)) entries.push([kg, nk, denormalizeKey(nuk), copyValue((sv as Cell).v), (sv as Cell).at]);
      }
    } else if (ttl === null) {
      entries.push([kg, nk, null, copyValue(stored), null]);
    } else if (!isExpired((stored as Cell).at, ttl, now)) {
      entries.push([kg, nk, null, copyValue((stored as Cell).v), (stored as Cell).at]);
    }
  }
  return entries;
}

/** Wrap every stored value of `t` in a Cell written `now` (toTtl) or unwrap the Cells. */
function convertLayout(t: MemoryTable, toTtl: boolean, now: number): void {
  const convert = (v: unknown): unknown => (toTtl ? new Cell(v, now) : (v as Cell).v);
  for (const [nk, stored] of t.map) {
    if (t.kind === "map") {
      const m = stored as Map<unknown, unknown>;
      for (const [uk, v] of m) m.set(uk, convert(v));
    } else {
      t.map.set(nk, convert(stored));
    }
  }
}

/**
 * Heap state backend: fastest, bounded by the heap, snapshots are full copies.
 *
 * @example
 * const store = await new MemoryStateBackend().createKeyedBackend({ operatorId: "count", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
 * const count = store.getValueState<number>({ kind: "value", name: "count", defaultValue: 0 });
 * store.setCurrentKey("user-1");
 * count.update((count.value() ?? 0) + 1);
 */
export class MemoryStateBackend implements StateBackend {
  readonly name = "memory";
  async createKeyedBackend(options: KeyedBackendOptions): Promise<KeyedStateBackend> {
    return new MemoryKeyedStateBackend(options);
  }
}

/**
 * Whether two arrays hold the same primitives in the same order, so they normalize to the same key
 * (`===` equal primitives have equal JSON; NaN and objects compare unequal and take the slow path).
 */
function samePrimitives(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x !== b[i] || (typeof x === "object" && x !== null)) return false;
  }
  return true;
}
