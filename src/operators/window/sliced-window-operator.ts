/**
 * @module operators/window/sliced-window-operator
 * Sliding event-time windows by slicing (Flink's SliceAssigners / SlicingWindowOperator): one
 * accumulator per key and slide-long slice, merged when a window fires, instead of one accumulator per
 * key and window (size/slide of them updated per record).
 *
 *   size=10, slide=2:   slices  [0,2) [2,4) [4,6) [6,8) [8,10) [10,12) ...
 *                       window  [0,10)  = slices 0..8        fires at 9,  then slice 0 is dropped
 *                       window  [2,12)  = slices 2..10       fires at 11, then slice 2 is dropped
 *
 * Used when size is a multiple of slide, there is no allowed lateness, and the aggregate merges exactly
 * (`AggregateFunction.mergesExactly`: SQL aggregates without DISTINCT or float sums, the API's count, min
 * and max, or a user aggregate that says so); the output equals AlignedWindowOperator's, record for record and in order:
 * - A record at t goes into slice s = the slide-aligned start at or before t. It is late (dropped, side
 *   output) when the last window containing s, [s, s + size), is late: s + size - 1 <= watermark.
 *   Earlier windows containing s that are already late have fired and been cleaned up, so the extra
 *   record in s can never reach them.
 * - When a key's slice is created, it registers the firing timer (end - 1) of every window containing
 *   it that is not late, latest first. That is the moment the per-window operator would register them:
 *   the first on-time record of the key in a window is the first one in one of its slices, since a
 *   slice is only created by a record that is on time for its last window and a slice outlives all its
 *   windows. So timers, and with them the emission order at a watermark, are the same.
 * - A timer at t fires window [t + 1 - size, t + 1): its existing slices are merged oldest first and
 *   the result emitted; then its first slice is dropped, since every later window starts after it.
 * Slices are plain keyed MapState (slice start -> accumulator) and timers are the runtime's, so both are
 * in checkpoints as before.
 */
import type { MapState, Output } from "../../core/index.ts";
import { windowStart } from "./assigners.ts";
import { WindowOperatorBase, type WindowOperatorOptions } from "./window-operator.ts";

/** Whether `options` can run on SlicedWindowOperator (otherwise AlignedWindowOperator). */
export function canSlice(options: WindowOperatorOptions): boolean {
  const a = options.assigner;
  return (
    a.type === "sliding" &&
    a.sizeMs % a.slideMs === 0 &&
    a.sizeMs > a.slideMs &&
    options.allowedLatenessMs === 0 &&
    options.process === undefined &&
    options.aggregate.mergesExactly === true
  );
}

/** Sliding windows kept as slices; see the module comment for the protocol. */
export class SlicedWindowOperator extends WindowOperatorBase {
  /** slice start -> accumulator of the key's records in [start, start + slide) */
  private slices!: MapState<number, unknown>;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;

  constructor(options: WindowOperatorOptions) {
    super(options);
    const a = options.assigner;
    if (a.type !== "sliding" || !canSlice(options)) throw new TypeError("SlicedWindowOperator needs a sliding assigner (size a multiple of slide), no lateness and an exactly mergeable aggregate");
    this.size = a.sizeMs;
    this.slide = a.slideMs;
    this.offset = a.offsetMs;
  }

  protected openState(): void {
    this.slices = this.store.getMapState<number, unknown>({ kind: "map", name: "window-slices" });
  }

  protected assign(value: unknown, timestamp: number, watermark: number): boolean {
    const start = windowStart(timestamp, this.offset, this.slide);
    // The latest window containing the slice starts with it; without lateness, late = fired.
    if (start + this.size - 1 <= watermark) return false;
    const slices = this.slices;
    const agg = this.options.aggregate;
    let acc = slices.get(start);
    if (acc === undefined && !slices.has(start)) {
      acc = agg.createAccumulator();
      // Windows containing the slice end at start + slide .. start + size; latest first, on-time only.
      for (let end = start + this.size; end > start; end -= this.slide) {
        if (end - 1 <= watermark) break;
        this.timers.registerEventTimeTimer(end - 1);
      }
    }
    slices.put(start, agg.add(value, acc));
    return true;
  }

  onEventTimeTimer(_key: unknown, timestamp: number, _out: Output<unknown>): void {
    const slices = this.slices;
    const agg = this.options.aggregate;
    const first = timestamp + 1 - this.size;
    let acc: unknown = undefined;
    let found = false;
    for (let s = first; s <= timestamp; s += this.slide) {
      const a = slices.get(s);
      if (a === undefined && !slices.has(s)) continue;
      // merge leaves both inputs untouched, so the first slice is used as it is (nothing mutates it).
      acc = found ? agg.merge(acc, a) : a;
      found = true;
    }
    if (found) this.fire(first, first + this.size, acc);
    slices.remove(first);
  }
}
