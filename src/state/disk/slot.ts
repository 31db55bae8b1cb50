/**
 * @module state/disk/slot
 * What the write-back cache holds: per state a `DiskTable` of `Slot`s, one per cached key. A slot of
 * value, list or reducing state holds the decoded value (or ABSENT); a slot of map state holds the
 * whole map of that key as `MapCell`s plus the set of map keys changed since the last flush.
 */
import type { StateKind } from "../backend.ts";

/** A slot value meaning "no entry" (cached negative lookups and pending deletes). */
export const ABSENT: unique symbol = Symbol("absent");

/** One map entry of a cached map-state slot. `at` is the write time, NaN when the state has no TTL. */
export class MapCell {
  constructor(
    public v: unknown,
    public at: number,
  ) {}
}

/** One state of a keyed store: its row-key id, kind, TTL and cached slots by normalized key. */
export class DiskTable {
  readonly slots = new Map<unknown, Slot>();
  /** The handle handed out for this state and the TTL it was made for. */
  handle: { readonly ttlMs: number | null; readonly h: unknown } | undefined = undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly kind: StateKind,
    public ttlMs: number | null,
  ) {}
}

/** One cached (state, key). */
export class Slot {
  /** Differs from what is on disk; queued in the cache's dirty list. */
  dirty = false;
  /** Used since the eviction sweep last passed (second-chance bit). */
  ref = false;
  /** Map state: normalized map keys put or removed since the last flush. */
  changed: Set<unknown> | null = null;

  constructor(
    readonly table: DiskTable,
    readonly nk: unknown,
    /** The value, ABSENT, or (map state) a Map of normalized map key -> MapCell. */
    public v: unknown,
    /** Write time in epoch ms, NaN when none. */
    public at: number,
  ) {}
}
