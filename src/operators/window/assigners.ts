/**
 * @module operators/window/assigners
 * Event-time window assigners. A spec is plain JSON (it lives in the plan); the functions here compute
 * the windows a timestamp falls in. Windows are [start, end): start inclusive, end exclusive.
 *
 *   tumbling size=5    |0....5)|5....10)|10...15)|       one window per timestamp
 *   sliding  size=10,  |0........10)                     size/slide windows per timestamp
 *            slide=5        |5........15)
 *   session  gap=3     [t, t+3) per record, merged while records are no more than `gap` apart
 */
import { PlanError } from "../../core/index.ts";

export type WindowAssignerSpec =
  | { readonly type: "tumbling"; readonly sizeMs: number; readonly offsetMs: number }
  | { readonly type: "sliding"; readonly sizeMs: number; readonly slideMs: number; readonly offsetMs: number }
  | { readonly type: "session"; readonly gapMs: number };

/** Start of the window of length `size` (aligned to `offset`) containing `timestamp`; safe for negatives. */
export function windowStart(timestamp: number, offset: number, size: number): number {
  const r = (timestamp - offset) % size;
  return timestamp - (r < 0 ? r + size : r);
}

function positive(what: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || !Number.isInteger(value)) {
    throw new PlanError(`window ${what} must be a positive whole number of milliseconds, got ${value}`);
  }
}

export function tumbling(sizeMs: number, offsetMs = 0): WindowAssignerSpec {
  positive("size", sizeMs);
  if (!Number.isInteger(offsetMs) || Math.abs(offsetMs) >= sizeMs) {
    throw new PlanError(`tumbling window offset must be a whole number of ms smaller than the size (${sizeMs}), got ${offsetMs}`);
  }
  return { type: "tumbling", sizeMs, offsetMs };
}

export function sliding(sizeMs: number, slideMs: number, offsetMs = 0): WindowAssignerSpec {
  positive("size", sizeMs);
  positive("slide", slideMs);
  if (slideMs > sizeMs) throw new PlanError(`sliding window slide (${slideMs} ms) must not exceed its size (${sizeMs} ms)`);
  if (!Number.isInteger(offsetMs) || Math.abs(offsetMs) >= slideMs) {
    throw new PlanError(`sliding window offset must be a whole number of ms smaller than the slide (${slideMs}), got ${offsetMs}`);
  }
  return { type: "sliding", sizeMs, slideMs, offsetMs };
}

export function session(gapMs: number): WindowAssignerSpec {
  positive("session gap", gapMs);
  return { type: "session", gapMs };
}

/** Starts of every sliding window containing `timestamp`, latest first. */
export function slidingStarts(timestamp: number, sizeMs: number, slideMs: number, offsetMs: number): number[] {
  const starts: number[] = [];
  for (let start = windowStart(timestamp, offsetMs, slideMs); start > timestamp - sizeMs; start -= slideMs) starts.push(start);
  return starts;
}

export function describeAssigner(spec: WindowAssignerSpec): string {
  switch (spec.type) {
    case "tumbling":
      return `tumbling ${spec.sizeMs}ms`;
    case "sliding":
      return `sliding ${spec.sizeMs}ms every ${spec.slideMs}ms`;
    case "session":
      return `session gap ${spec.gapMs}ms`;
  }
}
