/**
 * @module core/keyed-state
 * Keyed state handles as user functions and operators see them. A handle reads and writes the value of
 * the *current key*, which the runtime sets before each record and timer. Backends (src/state) implement
 * these; operators and user functions only depend on the shapes here.
 */

/** Time to live: an entry not written for `ttlMs` (processing time) reads as absent and is dropped. */
export interface StateTtl {
  readonly ttlMs: number;
}

/** One value per key. */
export interface ValueState<T> {
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  get(): readonly T[];
  add(value: T): void;
  addAll(values: readonly T[]): void;
  update(values: readonly T[]): void;
  clear(): void;
}

/** A map per key. */
export interface MapState<K, V> {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  has(key: K): boolean;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  size(): number;
  clear(): void;
}

/** One value per key, folded with a reduce function on every add. */
export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

export interface ValueStateDescriptor<T> {
  readonly kind: "value";
  readonly name: string;
  readonly defaultValue?: T;
  readonly ttl?: StateTtl;
}
export interface ListStateDescriptor<_T> {
  readonly kind: "list";
  readonly name: string;
  readonly ttl?: StateTtl;
}
export interface MapStateDescriptor<_K, _V> {
  readonly kind: "map";
  readonly name: string;
  readonly ttl?: StateTtl;
}
export interface ReducingStateDescriptor<T> {
  readonly kind: "reducing";
  readonly name: string;
  readonly reduce: (a: T, b: T) => T;
  readonly ttl?: StateTtl;
}

export type StateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<unknown, unknown>
  | ReducingStateDescriptor<unknown>;

/**
 * Access to the keyed state of one operator subtask. `setCurrentKey` scopes every handle; the
 * runtime calls it before each record and timer of a keyed operator.
 */
export interface KeyedStateStore {
  setCurrentKey(key: unknown): void;
  getCurrentKey(): unknown;
  getValueState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /** Every key that has an entry in the named state. */
  keys(stateName: string): IterableIterator<unknown>;
}
