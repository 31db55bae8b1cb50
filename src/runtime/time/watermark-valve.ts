/**
 * @module runtime/time/watermark-valve
 * Merges the watermarks and idleness of a task's input channels (Flink's StatusWatermarkValve).
 *
 * - The task's watermark is the minimum over its *active* inputs; an idle input does not hold it back.
 *   An ended input counts as watermark +inf.
 * - Watermarks only move forward: an update that does not raise the minimum emits nothing.
 * - When every input is idle the task is idle (and says so downstream), after emitting the largest
 *   watermark any input reached; one active input makes it active again.
 *   When an input becomes active again below the current watermark, it cannot pull the watermark back.
 */
import { MAX_WATERMARK, MIN_WATERMARK } from "../../core/index.ts";

export type ValveOutput = { kind: "watermark"; timestamp: number } | { kind: "idle" } | { kind: "active" };

export class WatermarkValve {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  private current = MIN_WATERMARK;
  private allIdle = false;

  constructor(readonly inputs: number) {
    this.watermarks = new Array<number>(inputs).fill(MIN_WATERMARK);
    this.idle = new Array<boolean>(inputs).fill(false);
  }

  get watermark(): number {
    return this.current;
  }

  /** A watermark arrived on `input`; returns the new task watermark if it advanced. */
  inputWatermark(input: number, timestamp: number): number | null {
    if (timestamp > this.watermarks[input]!) this.watermarks[input] = timestamp;
    return this.recompute();
  }

  /** `input` ended: it holds nothing back any more. */
  inputEnded(input: number): number | null {
    this.watermarks[input] = MAX_WATERMARK;
    this.idle[input] = false;
    return this.recompute();
  }

  /** An idleness change on `input`; returns what the task must emit, in order. */
  inputStatus(input: number, idle: boolean): ValveOutput[] {
    this.idle[input] = idle;
    const out: ValveOutput[] = [];
    const nowAllIdle = this.idle.every((x) => x);
    if (!idle && this.allIdle) out.push({ kind: "active" });
    let advanced = this.recompute();
    if (nowAllIdle && !this.allIdle) {
      // The last active input went idle: flush the largest watermark any input reached (Flink's
      // findAndOutputMaxWatermarkAcrossAllChannels), or what idle inputs delivered would never count.
      const max = Math.max(...this.watermarks);
      if (max > this.current) advanced = this.current = max;
    }
    if (advanced !== null) out.push({ kind: "watermark", timestamp: advanced });
    if (nowAllIdle && !this.allIdle) out.push({ kind: "idle" });
    this.allIdle = nowAllIdle;
    return out;
  }

  private recompute(): number | null {
    let min = MAX_WATERMARK;
    let anyActive = false;
    for (let i = 0; i < this.inputs; i++) {
      if (this.idle[i]) continue;
      anyActive = true;
      if (this.watermarks[i]! < min) min = this.watermarks[i]!;
    }
    if (!anyActive || min <= this.current) return null;
    this.current = min;
    return min;
  }
}
