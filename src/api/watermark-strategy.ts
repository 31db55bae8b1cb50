/**
 * @module api/watermark-strategy
 * How a source derives watermarks from event times: bounded out-of-orderness with optional idleness.
 */

export interface WatermarkStrategy {
  readonly maxOutOfOrdernessMs: number;
  readonly idleTimeoutMs: number;
  /** Mark a source subtask idle after `ms` without records, so it does not hold back the watermark. */
  withIdleness(ms: number): WatermarkStrategy;
}

function strategy(maxOutOfOrdernessMs: number, idleTimeoutMs: number): WatermarkStrategy {
  if (!Number.isFinite(maxOutOfOrdernessMs) || maxOutOfOrdernessMs < 0) {
    throw new RangeError(`watermark out-of-orderness must be a non-negative number of ms, got ${maxOutOfOrdernessMs}`);
  }
  if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0) {
    throw new RangeError(`idleness timeout must be a non-negative number of ms, got ${idleTimeoutMs}`);
  }
  return { maxOutOfOrdernessMs, idleTimeoutMs, withIdleness: (ms) => strategy(maxOutOfOrdernessMs, ms) };
}

/**
 * Watermarks trail the largest timestamp seen by `ms`: records up to `ms` late are still on time.
 * @example
 * env.fromElements(events, { timestamps: (e) => e.ts, watermarks: boundedOutOfOrderness(1000) });
 */
export function boundedOutOfOrderness(ms: number): WatermarkStrategy {
  return strategy(ms, 0);
}

/** For sources whose timestamps never go backwards. */
export function forMonotonousTimestamps(): WatermarkStrategy {
  return strategy(0, 0);
}
