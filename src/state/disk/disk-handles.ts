/**
 * @module state/disk/disk-handles
 * State handles of the disk backends, over the write-back cache. Every call finds the slot of the
 * current key (one Map lookup when cached), reads or changes it in place and marks it dirty. With a
 * TTL, an expired value or map entry reads as absent and is deleted (written back as a delete).
 */
import { denormalizeKey, normalizeKey } from "../../core/index.ts";
import type { ListState, MapState, ReducingState, ValueState } from "../../core/index.ts";
import { ABSENT, MapCell, type DiskTable, type Slot } from "./slot.ts";
import type { WriteBackCache } from "./write-back-cache.ts";

/** The normalized current key, owned by the backend. */
export interface Cursor {
  readonly current: unknown;
}

/** TTL of a state and the clock it is measured with; `ttlMs` null means no TTL. */
export interface TtlClock {
  readonly ttlMs: number | null;
  readonly now: () => number;
}

interface Ctx {
  readonly cache: WriteBackCache;
  readonly t: DiskTable;
  readonly cursor: Cursor;
  readonly clock: TtlClock;
}

/** The slot's value, or ABSENT (deleting it) when its TTL has run out. */
function liveValue(c: Ctx, s: Slot): unknown {
  const ttl = c.clock.ttlMs;
  if (ttl !== null && s.v !== ABSENT && c.clock.now() - s.at >= ttl) {
    s.v = ABSENT;
    c.cache.markDirty(s);
  }
  return s.v;
}

/** Write time for a new value: now with a TTL, NaN (none) without. */
function stamp(c: Ctx): number {
  return c.clock.ttlMs === null ? Number.NaN : c.clock.now();
}

function set(c: Ctx, s: Slot, v: unknown): void {
  s.v = v;
  s.at = stamp(c);
  c.cache.markDirty(s);
}

export function diskValueHandle<T>(c: Ctx, fallback: T | undefined): ValueState<T> {
  const { cache, t, cursor } = c;
  if (c.clock.ttlMs === null) {
    // The hot path: one cache lookup per call.
    return {
      value: () => {
        const v = cache.get(t, cursor.current).v;
        return v === ABSENT ? fallback : (v as T);
      },
      update: (v: T) => set(c, cache.forWrite(t, cursor.current), v),
      clear: () => set(c, cache.forWrite(t, cursor.current), ABSENT),
    };
  }
  return {
    value: () => {
      const v = liveValue(c, cache.get(t, cursor.current));
      return v === ABSENT ? fallback : (v as T);
    },
    update: (v: T) => set(c, cache.forWrite(t, cursor.current), v),
    clear: () => set(c, cache.forWrite(t, cursor.current), ABSENT),
  };
}

export function diskListHandle<T>(c: Ctx): ListState<T> {
  const { cache, t, cursor } = c;
  const append = (vs: readonly T[]): void => {
    const s = cache.get(t, cursor.current);
    const cur = liveValue(c, s);
    const list = cur === ABSENT ? [] : (cur as T[]);
    for (const v of vs) list.push(v);
    set(c, s, list);
  };
  return {
    get: () => {
      const v = liveValue(c, cache.get(t, cursor.current));
      return v === ABSENT ? [] : (v as T[]);
    },
    add: (v: T) => append([v]),
    addAll: (vs: readonly T[]) => append(vs),
    update: (vs: readonly T[]) => set(c, cache.forWrite(t, cursor.current), vs.length === 0 ? ABSENT : [...vs]),
    clear: () => set(c, cache.forWrite(t, cursor.current), ABSENT),
  };
}

export function diskReducingHandle<T>(c: Ctx, reduce: (a: T, b: T) => T): ReducingState<T> {
  const { cache, t, cursor } = c;
  return {
    get: () => {
      const v = liveValue(c, cache.get(t, cursor.current));
      return v === ABSENT ? undefined : (v as T);
    },
    add: (v: T) => {
      const s = cache.get(t, cursor.current);
      const cur = liveValue(c, s);
      set(c, s, cur === ABSENT ? v : reduce(cur as T, v));
    },
    clear: () => set(c, cache.forWrite(t, cursor.current), ABSENT),
  };
}

export function diskMapHandle<K, V>(c: Ctx): MapState<K, V> {
  const { cache, t, cursor, clock } = c;
  const cellsOf = (s: Slot): Map<unknown, MapCell> => s.v as Map<unknown, MapCell>;
  /** The live cell of map key `nuk` in slot `s`, deleting it if expired. */
  const live = (s: Slot, nuk: unknown): MapCell | undefined => {
    const cell = cellsOf(s).get(nuk);
    // NaN (no write time) never expires: the comparison is false.
    if (cell === undefined || clock.ttlMs === null || !(clock.now() - cell.at >= clock.ttlMs)) return cell;
    drop(s, nuk);
    return undefined;
  };
  const drop = (s: Slot, nuk: unknown): void => {
    if (!cellsOf(s).delete(nuk)) return;
    cache.size--;
    cache.markChanged(s, nuk);
  };
  /** The slot of the current key with every expired cell dropped. */
  const swept = (): Slot => {
    const s = cache.get(t, cursor.current);
    if (clock.ttlMs !== null) {
      const now = clock.now();
      for (const [nuk, cell] of cellsOf(s)) if (now - cell.at >= clock.ttlMs) drop(s, nuk);
    }
    return s;
  };
  return {
    get: (uk: K) => live(cache.get(t, cursor.current), normalizeKey(uk))?.v as V | undefined,
    has: (uk: K) => live(cache.get(t, cursor.current), normalizeKey(uk)) !== undefined,
    put: (uk: K, v: V) => {
      const s = cache.get(t, cursor.current);
      const nuk = normalizeKey(uk);
      const cell = cellsOf(s).get(nuk);
      if (cell === undefined) {
        cellsOf(s).set(nuk, new MapCell(v, stamp(c)));
        cache.size++;
      } else {
        cell.v = v;
        cell.at = stamp(c);
      }
      cache.markChanged(s, nuk);
    },
    remove: (uk: K) => drop(cache.get(t, cursor.current), normalizeKey(uk)),
    entries: () => mapEntries<K, V>(cellsOf(swept())),
    keys: () => mapKeys<K>(cellsOf(swept())),
    size: () => cellsOf(swept()).size,
    clear: () => {
      const s = cache.get(t, cursor.current);
      for (const nuk of [...cellsOf(s).keys()]) drop(s, nuk);
    },
  };
}

function* mapEntries<K, V>(cells: Map<unknown, MapCell>): IterableIterator<[K, V]> {
  for (const [nuk, cell] of cells) yield [denormalizeKey(nuk) as K, cell.v as V];
}

function* mapKeys<K>(cells: Map<unknown, MapCell>): IterableIterator<K> {
  for (const nuk of cells.keys()) yield denormalizeKey(nuk) as K;
}

export type { Ctx as DiskHandleContext };
