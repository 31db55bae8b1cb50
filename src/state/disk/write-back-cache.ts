/**
 * @module state/disk/write-back-cache
 * The object cache between state handles and a KvStore. Invariants and policy:
 *
 * - A cached slot is authoritative: reads and writes of a cached key never touch the store.
 * - A miss reads the row (map state: all rows of the key, one range scan) and caches the decoded
 *   value; absent rows are cached too (negative entries). Blind writes (update, clear) cache the new
 *   value without reading.
 * - Writes only mark the slot dirty, so repeated writes of a key coalesce. Dirty slots go to the
 *   store in ONE atomic batch ("flush") when `maxDirty` slots are dirty and before snapshot, keys()
 *   and restore.
 * - Eviction is second-chance (CLOCK) in insertion order: once the cache holds `capacity` entries
 *   (a map slot weighs 1 + its entries), slots not used since the last sweep are dropped until a
 *   quarter of the capacity is free; the dirty ones among them are written first, in one batch.
 *   So an evicted key reads back from the store what was last written, and a slot in the dirty list
 *   is always the cached one. A map slot always holds the whole map of its key.
 */
import { ByteWriter } from "../byte-writer.ts";
import { StateError } from "../errors.ts";
import type { KvBatch, KvStore } from "./kv-store.ts";
import { prefixEnd, readKeyPart, rowValue, rowWrittenAt, writeKeyPart, writeRowKey, writeRowValue } from "./row-codec.ts";
import { ABSENT, MapCell, type DiskTable, Slot } from "./slot.ts";

export interface CacheOptions {
  /** Cached entries (slots plus map entries) before eviction starts. */
  readonly capacity: number;
  /** Dirty slots that trigger a flush. */
  readonly maxDirty: number;
}

export class WriteBackCache {
  /** Entries held: one per slot plus one per cached map entry. */
  size = 0;
  private dirty: Slot[] = [];
  private readonly keyOut = new ByteWriter();
  private readonly valueOut = new ByteWriter();

  constructor(
    private readonly kv: KvStore,
    private readonly tables: () => Iterable<DiskTable>,
    private readonly options: CacheOptions,
    /** Names the store in errors: operator id and file. */
    private readonly where: string,
  ) {}

  /** The slot of (table, nk), read from the store on a miss. */
  get(t: DiskTable, nk: unknown): Slot {
    const s = t.slots.get(nk);
    if (s !== undefined) {
      s.ref = true;
      return s;
    }
    return this.load(t, nk);
  }

  /** The slot of (table, nk) for a write that replaces the whole value: no read on a miss. */
  forWrite(t: DiskTable, nk: unknown): Slot {
    const s = t.slots.get(nk);
    if (s !== undefined) {
      s.ref = true;
      return s;
    }
    return this.insert(t, new Slot(t, nk, ABSENT, Number.NaN), 0);
  }

  markDirty(s: Slot): void {
    if (s.dirty) return;
    s.dirty = true;
    this.dirty.push(s);
    if (this.dirty.length >= this.options.maxDirty) this.flush();
  }

  /** Record that map key `nuk` of map slot `s` changed (put or removed). */
  markChanged(s: Slot, nuk: unknown): void {
    (s.changed ??= new Set()).add(nuk);
    this.markDirty(s);
  }

  get dirtyCount(): number {
    return this.dirty.length;
  }

  /** Write every dirty slot to the store in one batch. */
  flush(): void {
    if (this.dirty.length === 0) return;
    const dirty = this.dirty;
    this.dirty = [];
    this.writeSlots(dirty);
  }

  /** Write `slots` (the dirty ones) in one atomic batch and mark them clean. */
  private writeSlots(slots: readonly Slot[]): void {
    try {
      this.kv.write((batch) => {
        for (const s of slots) {
          if (!s.dirty) continue;
          this.writeSlot(batch, s);
          s.dirty = false;
          s.changed = null;
        }
      });
    } catch (e) {
      throw new StateError(`writing ${slots.length} state rows of ${this.where} failed: ${(e as Error).message}`, e);
    }
  }

  /** Drop every slot (after a flush, or when the data is going away). */
  clear(): void {
    for (const t of this.tables()) t.slots.clear();
    this.dirty = [];
    this.size = 0;
  }

  private load(t: DiskTable, nk: unknown): Slot {
    const key = this.keyOut;
    writeRowKey(key, t.id, nk);
    let slot: Slot;
    try {
      if (t.kind === "map") {
        const cells = new Map<unknown, MapCell>();
        const prefix = key.copy();
        this.kv.scan(prefix, prefixEnd(prefix), true, (k, v) => {
          cells.set(readKeyPart(k, prefix.length)[0], new MapCell(rowValue(v!), rowWrittenAt(v!)));
        });
        slot = new Slot(t, nk, cells, Number.NaN);
        return this.insert(t, slot, cells.size);
      }
      const bytes = this.kv.get(key.view());
      slot = bytes === undefined ? new Slot(t, nk, ABSENT, Number.NaN) : new Slot(t, nk, rowValue(bytes), rowWrittenAt(bytes));
    } catch (e) {
      if (e instanceof StateError) throw e;
      throw new StateError(`reading state '${t.name}' of ${this.where} failed: ${(e as Error).message}`, e);
    }
    return this.insert(t, slot, 0);
  }

  private insert(t: DiskTable, s: Slot, extraWeight: number): Slot {
    if (this.size >= this.options.capacity) this.evict();
    t.slots.set(s.nk, s);
    this.size += 1 + extraWeight;
    return s;
  }

  private writeSlot(batch: KvBatch, s: Slot): void {
    const key = this.keyOut;
    const value = this.valueOut;
    writeRowKey(key, s.table.id, s.nk);
    if (s.table.kind !== "map") {
      if (s.v === ABSENT) {
        batch.del(key.view());
      } else {
        writeRowValue(value, s.v, s.at);
        batch.put(key.view(), value.view());
      }
      return;
    }
    if (s.changed === null) return;
    const cells = s.v as Map<unknown, MapCell>;
    const base = key.length;
    for (const nuk of s.changed) {
      key.length = base;
      writeKeyPart(key, nuk);
      const c = cells.get(nuk);
      if (c === undefined) {
        batch.del(key.view());
      } else {
        writeRowValue(value, c.v, c.at);
        batch.put(key.view(), value.view());
      }
    }
  }

  /**
   * Drop slots not used since the last sweep (second chance) until a quarter of the capacity is free,
   * writing the dirty ones among them in one batch. Hot dirty slots stay cached and dirty, so their
   * writes keep coalescing.
   */
  private evict(): void {
    const target = Math.floor(this.options.capacity * 0.75);
    const victims: Slot[] = [];
    sweep: for (let pass = 0; pass < 2; pass++) {
      for (const t of this.tables()) {
        for (const [nk, s] of t.slots) {
          if (pass === 0 && s.ref) {
            s.ref = false;
            continue;
          }
          t.slots.delete(nk);
          this.size -= 1 + (t.kind === "map" ? (s.v as Map<unknown, unknown>).size : 0);
          if (s.dirty) victims.push(s);
          if (this.size <= target) break sweep;
        }
      }
    }
    if (victims.length === 0) return;
    this.writeSlots(victims);
    // Evicted slots are clean now; drop them from the dirty list so it never writes a stale slot.
    this.dirty = this.dirty.filter((s) => s.dirty);
  }
}
