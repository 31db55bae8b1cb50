/**
 * @module runtime/time/watermark-generator
 * Source-side watermarks (Flink's BoundedOutOfOrdernessWatermarks): after each batch the source emits
 * watermark = max timestamp seen - maxOutOfOrderness - 1, if that advanced. A record may then arrive up
 * to `maxOutOfOrderness` ms behind the newest one and still be on time.
 * Idleness: a source that produced nothing for `idleTimeoutMs` is marked idle so it does not hold back
 * the watermark of the tasks it feeds; its next record makes it active again.
 */
import { MIN_WATERMARK } from "../../core/index.ts";

/** JSON form of a WatermarkStrategy, stored in a source node's config. */
export interface WatermarkSpec {
  readonly maxOutOfOrdernessMs: number;
  /** 0 = never idle. */
  readonly idleTimeoutMs: number;
}

export class BoundedOutOfOrdernessGenerator {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private emitted = MIN_WATERMARK;

  constructor(private readonly spec: WatermarkSpec) {}

  /** Observe a batch's timestamps; returns a new watermark to emit, or null. */
  onBatch(timestamps: readonly number[]): number | null {
    let max = this.maxTimestamp;
    for (let i = 0; i < timestamps.length; i++) if (timestamps[i]! > max) max = timestamps[i]!;
    this.maxTimestamp = max;
    const wm = max - this.spec.maxOutOfOrdernessMs - 1;
    if (wm > this.emitted) {
      this.emitted = wm;
      return wm;
    }
    return null;
  }
}
