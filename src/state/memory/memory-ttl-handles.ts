/**
 * @module state/memory/memory-ttl-handles
 * State handles of the heap backend for states with a TTL. Values are wrapped in a `Cell` holding the
 * write time (a list is one cell, a map has one cell per map key). Expired cells read as absent and
 * are deleted when met. Writes refresh the time; reads do not (Flink's OnCreateAndWrite).
 */
import { denormalizeKey, normalizeKey } from "../../core/index.ts";
import type { ListState, MapState, ReducingState, ValueState } from "../../core/index.ts";
import type { CurrentKey, Table } from "./memory-handles.ts";

/** A value and the epoch ms it was written at. */
export class Cell {
  constructor(
    public v: unknown,
    public at: number,
  ) {}
}

export interface TtlClock {
  readonly ttlMs: number;
  readonly now: () => number;
}

/** The live cell under `key` of a table of cells, deleting it if expired. */
function live(table: Map<unknown, unknown>, key: unknown, clock: TtlClock): Cell | undefined {
  const c = table.get(key) as Cell | undefined;
  if (c === undefined) return undefined;
  if (clock.now() - c.at >= clock.ttlMs) {
    table.delete(key);
    return undefined;
  }
  return c;
}

export function ttlValueHandle<T>(table: Table, k: CurrentKey, fallback: T | undefined, clock: TtlClock): ValueState<T> {
  return {
    value: () => {
      const c = live(table, k.current, clock);
      return c === undefined ? fallback : (c.v as T);
    },
    update: (v: T) => void table.set(k.current, new Cell(v, clock.now())),
    clear: () => void table.delete(k.current),
  };
}

export function ttlListHandle<T>(table: Table, k: CurrentKey, clock: TtlClock): ListState<T> {
  const append = (vs: readonly T[]): void => {
    const c = live(table, k.current, clock);
    const list = c === undefined ? [] : (c.v as T[]);
    for (const v of vs) list.push(v);
    table.set(k.current, new Cell(list, clock.now()));
  };
  return {
    get: () => (live(table, k.current, clock)?.v as T[] | undefined) ?? [],
    add: (v: T) => append([v]),
    addAll: (vs: readonly T[]) => append(vs),
    update: (vs: readonly T[]) => void (vs.length === 0 ? table.delete(k.current) : table.set(k.current, new Cell([...vs], clock.now()))),
    clear: () => void table.delete(k.current),
  };
}

export function ttlReducingHandle<T>(table: Table, k: CurrentKey, reduce: (a: T, b: T) => T, clock: TtlClock): ReducingState<T> {
  return {
    get: () => live(table, k.current, clock)?.v as T | undefined,
    add: (v: T) => {
      const c = live(table, k.current, clock);
      table.set(k.current, new Cell(c === undefined ? v : reduce(c.v as T, v), clock.now()));
    },
    clear: () => void table.delete(k.current),
  };
}

export function ttlMapHandle<K, V>(table: Table, k: CurrentKey, clock: TtlClock): MapState<K, V> {
  const read = (): Map<unknown, Cell> | undefined => table.get(k.current) as Map<unknown, Cell> | undefined;
  /** The live map of the current key with expired cells dropped, or undefined when none is left. */
  const sweep = (): Map<unknown, Cell> | undefined => {
    const m = read();
    if (m === undefined) return undefined;
    const now = clock.now();
    for (const [uk, c] of m) if (now - c.at >= clock.ttlMs) m.delete(uk);
    if (m.size > 0) return m;
    table.delete(k.current);
    return undefined;
  };
  return {
    get: (uk: K) => {
      const m = read();
      return m === undefined ? undefined : (live(m, normalizeKey(uk), clock)?.v as V | undefined);
    },
    put: (uk: K, v: V) => {
      let m = read();
      if (m === undefined) {
        m = new Map();
        table.set(k.current, m);
      }
      m.set(normalizeKey(uk), new Cell(v, clock.now()));
    },
    has: (uk: K) => {
      const m = read();
      return m !== undefined && live(m, normalizeKey(uk), clock) !== undefined;
    },
    remove: (uk: K) => {
      const m = read();
      if (m === undefined) return;
      m.delete(normalizeKey(uk));
      if (m.size === 0) table.delete(k.current);
    },
    entries: () => ttlEntries<K, V>(sweep()),
    keys: () => ttlKeys<K>(sweep()),
    size: () => sweep()?.size ?? 0,
    clear: () => void table.delete(k.current),
  };
}

function* ttlEntries<K, V>(m: Map<unknown, Cell> | undefined): IterableIterator<[K, V]> {
  if (m !== undefined) for (const [nk, c] of m) yield [denormalizeKey(nk) as K, c.v as V];
}

function* ttlKeys<K>(m: Map<unknown, Cell> | undefined): IterableIterator<K> {
  if (m !== undefined) for (const nk of m.keys()) yield denormalizeKey(nk) as K;
}
