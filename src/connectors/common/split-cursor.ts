/**
 * @module connectors/common/split-cursor
 * Replayable reading of an index range [0, count) by parallel source subtasks. The range is cut into
 * `numSplits` contiguous splits (the job's max parallelism); subtask s of p owns the splits of
 * keyGroupRangeFor(s, p, numSplits) and reads them in order. The position is the next index of each
 * owned split, so a snapshot taken at any parallelism restores at any other: each new subtask picks
 * the offsets of the splits it now owns.
 */
import { keyGroupRangeFor, type TaskLocation } from "../../core/index.ts";

/** [start, end) of split `split` of `count` indexes cut into `numSplits`. */
export function splitRange(count: number, split: number, numSplits: number): [number, number] {
  return [Math.floor((count * split) / numSplits), Math.floor((count * (split + 1)) / numSplits)];
}

/** The snapshot: [split, next index] for each split a subtask owns. */
export type SplitOffsets = Array<[number, number]>;

export class SplitCursor {
  private splits: number[] = [];
  private numSplits = 1;
  private readonly next = new Map<number, number>();
  private current = 0;
  private restored: Map<number, number> | null = null;

  constructor(private readonly count: number) {}

  /** Positions of every subtask of a previous run (called before `assign`). */
  restore(states: readonly unknown[]): void {
    const offsets = new Map<number, number>();
    for (const state of states) {
      if (!Array.isArray(state)) continue;
      for (const pair of state as SplitOffsets) offsets.set(pair[0], pair[1]);
    }
    this.restored = offsets;
  }

  /** Take the splits `location` owns. */
  assign(location: TaskLocation, numSplits: number): void {
    const { start, end } = keyGroupRangeFor(location.subtaskIndex, location.parallelism, numSplits);
    this.splits = [];
    for (let split = start; split <= end; split++) {
      const [from, to] = splitRange(this.count, split, numSplits);
      this.splits.push(split);
      this.next.set(split, Math.min(to, Math.max(from, this.restored?.get(split) ?? from)));
    }
    this.current = 0;
    this.numSplits = numSplits;
  }

  /** The next contiguous chunk of at most `max` indexes: [first index, length], or null when done. */
  take(max: number): [number, number] | null {
    while (this.current < this.splits.length) {
      const split = this.splits[this.current]!;
      const [, end] = splitRange(this.count, split, this.numSplits);
      const from = this.next.get(split)!;
      if (from < end) {
        const n = Math.min(max, end - from);
        this.next.set(split, from + n);
        return [from, n];
      }
      this.current++;
    }
    return null;
  }

  /** Indexes not yet read by this subtask. */
  remaining(): number {
    let n = 0;
    for (const split of this.splits) n += splitRange(this.count, split, this.numSplits)[1] - this.next.get(split)!;
    return n;
  }

  snapshot(): SplitOffsets {
    return this.splits.map((split) => [split, this.next.get(split)!]);
  }
}
