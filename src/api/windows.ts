/**
 * @module api/windows
 * Window assigners in Flink's spelling: `TumblingEventTimeWindows.of(5000)` and friends (sizes in ms).
 */
import { session, sliding, tumbling, type WindowAssignerSpec } from "../operators/index.ts";

export const TumblingEventTimeWindows = {
  /**
   * Fixed, non-overlapping windows of `sizeMs`, aligned to the epoch plus `offsetMs`.
   * @example
   * stream.keyBy((e) => e.key).window(TumblingEventTimeWindows.of(5000)).sum("value");
   */
  of: (sizeMs: number, offsetMs = 0): WindowAssignerSpec => tumbling(sizeMs, offsetMs),
};

export const SlidingEventTimeWindows = {
  /**
   * Windows of `sizeMs` starting every `slideMs`; a record belongs to size/slide windows.
   * @example
   * stream.keyBy((e) => e.key).window(SlidingEventTimeWindows.of(10_000, 5_000)).count();
   */
  of: (sizeMs: number, slideMs: number, offsetMs = 0): WindowAssignerSpec => sliding(sizeMs, slideMs, offsetMs),
};

export const EventTimeSessionWindows = {
  /**
   * Per-key sessions that close after `gapMs` without records.
   * @example
   * stream.keyBy((e) => e.user).window(EventTimeSessionWindows.withGap(30_000)).count();
   */
  withGap: (gapMs: number): WindowAssignerSpec => session(gapMs),
};
