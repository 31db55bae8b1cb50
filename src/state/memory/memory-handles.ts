/**
 * @module state/memory/memory-handles
 * State handles of the heap backend for states without TTL: a table is a Map from normalized key to
 * the value itself (a value, a list array, or a Map of normalized map key -> value), so a value-state
 * read or write is one Map lookup.
 */
import { denormalizeKey, normalizeKey } from "../../core/index.ts";
import type { ListState, MapState, ReducingState, ValueState } from "../../core/index.ts";

export type Table = Map<unknown, unknown>;

/** What a handle needs of its backend: the normalized current key. */
export interface CurrentKey {
  readonly current: unknown;
}

export function valueHandle<T>(table: Table, k: CurrentKey, fallback: T | undefined): ValueState<T> {
  return {
    value: () => {
      const v = table.get(k.current) as T | undefined;
      return v !== undefined || table.has(k.current) ? v : fallback;
    },
    update: (v: T) => void table.set(k.current, v),
    clear: () => void table.delete(k.current),
  };
}

export function listHandle<T>(table: Table, k: CurrentKey): ListState<T> {
  const list = (): T[] => {
    let l = table.get(k.current) as T[] | undefined;
    if (l === undefined) {
      l = [];
      table.set(k.current, l);
    }
    return l;
  };
  return {
    get: () => (table.get(k.current) as T[] | undefined) ?? [],
    add: (v: T) => void list().push(v),
    addAll: (vs: readonly T[]) => {
      const l = list();
      for (const v of vs) l.push(v);
    },
    update: (vs: readonly T[]) => void (vs.length === 0 ? table.delete(k.current) : table.set(k.current, [...vs])),
    clear: () => void table.delete(k.current),
  };
}

export function reducingHandle<T>(table: Table, k: CurrentKey, reduce: (a: T, b: T) => T): ReducingState<T> {
  return {
    get: () => table.get(k.current) as T | undefined,
    add: (v: T) => {
      const cur = k.current;
      const old = table.get(cur) as T | undefined;
      table.set(cur, old !== undefined || table.has(cur) ? reduce(old as T, v) : v);
    },
    clear: () => void table.delete(k.current),
  };
}

/** Map keys are normalized like stream keys, so composite map keys compare by value. */
export function mapHandle<K, V>(table: Table, k: CurrentKey): MapState<K, V> {
  const empty = new Map<unknown, V>();
  const read = (): Map<unknown, V> => (table.get(k.current) as Map<unknown, V> | undefined) ?? empty;
  const write = (): Map<unknown, V> => {
    let m = table.get(k.current) as Map<unknown, V> | undefined;
    if (m === undefined) {
      m = new Map();
      table.set(k.current, m);
    }
    return m;
  };
  return {
    get: (uk: K) => read().get(normalizeKey(uk)),
    put: (uk: K, v: V) => void write().set(normalizeKey(uk), v),
    has: (uk: K) => read().has(normalizeKey(uk)),
    remove: (uk: K) => {
      const m = table.get(k.current) as Map<unknown, V> | undefined;
      if (m === undefined) return;
      m.delete(normalizeKey(uk));
      if (m.size === 0) table.delete(k.current);
    },
    entries: () => mapEntries<K, V>(read()),
    keys: () => mapKeys<K>(read()),
    size: () => read().size,
    clear: () => void table.delete(k.current),
  };
}

function* mapEntries<K, V>(m: Map<unknown, V>): IterableIterator<[K, V]> {
  for (const [nk, v] of m) yield [denormalizeKey(nk) as K, v];
}

function* mapKeys<K>(m: Map<unknown, unknown>): IterableIterator<K> {
  for (const nk of m.keys()) yield denormalizeKey(nk) as K;
}
