/**
 * @module connectors/common/split-cursor
 * Replayable reading of an index range [0, count) by parallel source subtasks. Index i belongs to
 * split i % numSplits (numSplits is the job's max parallelism), so the splits interleave, as the Nexmark
 * generator's do: subtask s of p owns the splits of keyGroupRangeFor(s, p, numSplits) and reads its
 * indexes in ascending order, so parallel subtasks advance through the range (and through event time
 * derived from the index) together instead of one starting where another ends. The position is the
 * next index of each owned split, so a snapshot taken at any parallelism restores at any other: each
 * new subtask picks up the offsets of the splits it now owns.
 */
import { keyGroupRangeFor, type TaskLocation } from "../../core/index.ts";

/** The snapshot: [split, next index] for each split a subtask owns, tagged with the layout. */
export interface SplitOffsets {
  readonly layout: "interleaved";
  readonly offsets: Array<[number, number]>;
}

export class SplitCursor {
  /** Owned splits, ascending and contiguous. */
  private splits: number[] = [];
  private numSplits = 1;
  /** Next index of each owned split (parallel to `splits`). */
  private next: number[] = [];
  private restored: Map<number, number> | null = null;

  constructor(private readonly count: number) {}

  /** Positions of every subtask of a previous run (called before `assign`). */
  restore(states: readonly unknown[]): void {
    const offsets = new Map<number, number>();
    for (const state of states) {
      if (state === null || typeof state !== "object" || (state as Partial<SplitOffsets>).layout !== "interleaved") {
        throw new Error(`source position ${JSON.stringify(state)} is not an index-split position of this version (expected {layout: "interleaved", offsets})`);
      }
      for (const pair of (state as SplitOffsets).offsets) offsets.set(pair[0], pair[1]);
    }
    this.restored = offsets;
  }

  /** Take the splits `location` owns. */
  assign(location: TaskLocation, numSplits: number): void {
    const { start, end } = keyGroupRangeFor(location.subtaskIndex, location.parallelism, numSplits);
    this.splits = [];
    this.next = [];
    this.numSplits = numSplits;
    for (let split = start; split <= end; split++) {
      this.splits.push(split);
      const restored = this.restored?.get(split);
      // A restored offset is an index of this split (or past the end); anything else starts the split.
      const valid = restored !== undefined && restored >= split && (restored - split) % numSplits === 0;
      this.next.push(valid ? restored : split);
    }
  }

  /**
   * The next at most `max` indexes in ascending order, or null when every owned split is done. Splits
   * advance row by row (row r holds indexes r*numSplits .. r*numSplits+numSplits-1); a split restored
   * ahead of the others waits until the row reaches it.
   */
  take(max: number): number[] | null {
    const { splits, next, count } = this;
    const n = this.numSplits;
    const k = splits.length;
    let row = Infinity;
    for (let j = 0; j < k; j++) if (next[j]! < count) row = Math.min(row, Math.floor(next[j]! / n));
    if (row === Infinity) return null;
    const out: number[] = [];
    while (out.length < max) {
      const base = row * n;
      // Fast path: every owned split is at this row and the whole row fits: one contiguous run.
      const first = base + splits[0]!;
      const last = base + splits[k - 1]!;
      if (next[0] === first && next[k - 1] === last && last < count && out.length + k <= max && lockstep(next, first)) {
        for (let i = first; i <= last; i++) out.push(i);
        for (let j = 0; j < k; j++) next[j] = next[j]! + n;
        row++;
        continue;
      }
      let live = false;
      for (let j = 0; j < k && out.length < max; j++) {
        const at = next[j]!;
        if (at >= count) continue;
        live = true;
        if (at !== base + splits[j]!) continue; // restored ahead of this row
        out.push(at);
        next[j] = at + n;
      }
      if (!live) break;
      if (out.length < max) row++;
    }
    return out.length === 0 ? null : out;
  }

  /**
   * The next at most `max` indexes as one contiguous run `[first, count]`, or null when done: the
   * allocation-free form of `take` for sources that generate from the index. When this subtask owns
   * every split and they are in lockstep (parallelism 1), the whole range is one run; otherwise a run
   * is at most one row of the owned splits, so call again to fill a batch.
   */
  takeRun(max: number): [number, number] | null {
    const { splits, next, count } = this;
    const n = this.numSplits;
    const k = splits.length;
    if (k === n && lockstep(next, next[0]!) && next[0]! % n === 0 && next[0]! < count) {
      const first = next[0]!;
      const length = Math.min(max, count - first);
      const end = first + length;
      // Each split's next index: the first index >= end that belongs to it.
      const base = end - (end % n);
      for (let j = 0; j < k; j++) next[j] = base + j < end ? base + j + n : base + j;
      return [first, length];
    }
    const indexes = this.take(1);
    if (indexes === null) return null;
    // Extend the run while the following indexes are owned and due, up to the end of this row.
    const first = indexes[0]!;
    let length = 1;
    while (length < max) {
      const at = first + length;
      const j = (at % n) - splits[0]!;
      if (j < 0 || j >= k || at >= count || next[j] !== at) break;
      next[j] = at + n;
      length++;
    }
    return [first, length];
  }

  /** Indexes not yet read by this subtask. */
  remaining(): number {
    let left = 0;
    for (const next of this.next) if (next < this.count) left += Math.ceil((this.count - next) / this.numSplits);
    return left;
  }

  snapshot(): SplitOffsets {
    return { layout: "interleaved", offsets: this.splits.map((split, j) => [split, this.next[j]!]) };
  }
}

/** Whether next[j] === first + j for every j (the owned splits are contiguous, so a whole row). */
function lockstep(next: readonly number[], first: number): boolean {
  for (let j = 0; j < next.length; j++) if (next[j] !== first + j) return false;
  return true;
}
