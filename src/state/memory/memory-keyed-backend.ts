/**
 * @module state/memory/memory-keyed-backend
 * Heap keyed state: one Map per state name from (normalized) key to value. Handles are created once
 * per descriptor and read the backend's current key on every call, so the hot path is one Map lookup.
 */
import { normalizeKey } from "../../core/index.ts";
import { StateError } from "../errors.ts";
import type {
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from "../../core/index.ts";
import type { KeyedBackendOptions, KeyedStateBackend, StateBackend } from "../backend.ts";

type Table = Map<unknown, unknown>;

export class MemoryKeyedStateBackend implements KeyedStateBackend {
  /** Normalized current key: the Map key of every table. */
  private current: unknown = undefined;
  private currentKey: unknown = undefined;
  private readonly tables = new Map<string, { kind: StateDescriptor["kind"]; table: Table }>();
  /** Normalized key -> original key, for keys() of composite keys. */
  private readonly originals = new Map<unknown, unknown>();
  private readonly handles = new Map<string, unknown>();

  constructor(readonly options: KeyedBackendOptions) {}

  setCurrentKey(key: unknown): void {
    this.currentKey = key;
    const normalized = normalizeKey(key);
    if (normalized !== key && !this.originals.has(normalized)) this.originals.set(normalized, key);
    this.current = normalized;
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  private table(name: string, kind: StateDescriptor["kind"]): Table {
    const entry = this.tables.get(name);
    if (entry === undefined) {
      const table: Table = new Map();
      this.tables.set(name, { kind, table });
      return table;
    }
    if (entry.kind !== kind) {
      throw new StateError(`state '${name}' of operator ${this.options.operatorId} is ${entry.kind} state, not ${kind} state`);
    }
    return entry.table;
  }

  private handle<H>(name: string, make: () => H): H {
    let h = this.handles.get(name) as H | undefined;
    if (h === undefined) {
      h = make();
      this.handles.set(name, h);
    }
    return h;
  }

  getValueState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    const table = this.table(d.name, "value");
    return this.handle(d.name, () => {
      const self = this;
      const fallback = d.defaultValue;
      return {
        value: () => (table.has(self.current) ? (table.get(self.current) as T) : fallback),
        update: (v: T) => void table.set(self.current, v),
        clear: () => void table.delete(self.current),
      };
    });
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    const table = this.table(d.name, "list");
    return this.handle(d.name, () => {
      const self = this;
      const list = (): T[] => {
        let l = table.get(self.current) as T[] | undefined;
        if (l === undefined) {
          l = [];
          table.set(self.current, l);
        }
        return l;
      };
      return {
        get: () => (table.get(self.current) as T[] | undefined) ?? [],
        add: (v: T) => void list().push(v),
        addAll: (vs: readonly T[]) => void list().push(...vs),
        update: (vs: readonly T[]) => void table.set(self.current, [...vs]),
        clear: () => void table.delete(self.current),
      };
    });
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    const table = this.table(d.name, "map");
    return this.handle(d.name, () => {
      const self = this;
      const empty = new Map<K, V>();
      const read = (): Map<K, V> => (table.get(self.current) as Map<K, V> | undefined) ?? empty;
      const write = (): Map<K, V> => {
        let m = table.get(self.current) as Map<K, V> | undefined;
        if (m === undefined) {
          m = new Map();
          table.set(self.current, m);
        }
        return m;
      };
      return {
        get: (k: K) => read().get(k),
        put: (k: K, v: V) => void write().set(k, v),
        has: (k: K) => read().has(k),
        remove: (k: K) => {
          const m = table.get(self.current) as Map<K, V> | undefined;
          if (m === undefined) return;
          m.delete(k);
          if (m.size === 0) table.delete(self.current);
        },
        entries: () => read().entries(),
        keys: () => read().keys(),
        size: () => read().size,
        clear: () => void table.delete(self.current),
      };
    });
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const table = this.table(d.name, "reducing");
    return this.handle(d.name, () => {
      const self = this;
      const reduce = d.reduce;
      return {
        get: () => table.get(self.current) as T | undefined,
        add: (v: T) => {
          const cur = self.current;
          table.set(cur, table.has(cur) ? reduce(table.get(cur) as T, v) : v);
        },
        clear: () => void table.delete(self.current),
      };
    });
  }

  *keys(stateName: string): IterableIterator<unknown> {
    const entry = this.tables.get(stateName);
    if (entry === undefined) return;
    for (const k of [...entry.table.keys()]) yield this.originals.get(k) ?? k;
  }

  dispose(): void {
    this.tables.clear();
    this.handles.clear();
    this.originals.clear();
  }
}

/** Heap state backend. */
export class MemoryStateBackend implements StateBackend {
  readonly name = "memory";
  createKeyedBackend(options: KeyedBackendOptions): KeyedStateBackend {
    return new MemoryKeyedStateBackend(options);
  }
}
