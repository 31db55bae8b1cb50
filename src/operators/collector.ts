/**
 * @module operators/collector
 * Collector: how user functions emit records, and BatchCollector, the buffer behind it that turns
 * many `collect` calls into one emitted batch (plus one batch per side output).
 */
import type { Output, OutputTag } from "../core/index.ts";

/** Emits records from user functions (process functions, window process functions). */
export interface Collector<T> {
  collect(value: T): void;
  /** Emit with an explicit event time instead of the current record's. */
  collectWithTimestamp(value: T, timestamp: number): void;
}

/**
 * Buffers what user code collects while one batch (or one timer) is processed, then emits it as a
 * single batch. `timestamp` is the event time given to records collected without one.
 */
export class BatchCollector<T> implements Collector<T> {
  private values: T[] = [];
  private timestamps: number[] = [];
  private sides: Map<string, { values: unknown[]; timestamps: number[] }> | undefined;
  timestamp = Number.NEGATIVE_INFINITY;

  collect(value: T): void {
    this.values.push(value);
    this.timestamps.push(this.timestamp);
  }

  collectWithTimestamp(value: T, timestamp: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
  }

  side<X>(tag: OutputTag<X>, value: X): void {
    this.sides ??= new Map();
    let buf = this.sides.get(tag.id);
    if (buf === undefined) {
      buf = { values: [], timestamps: [] };
      this.sides.set(tag.id, buf);
    }
    buf.values.push(value);
    buf.timestamps.push(this.timestamp);
  }

  /** Emit everything buffered and start fresh buffers (emitted arrays now belong to the receiver). */
  flush(out: Output<T>): void {
    if (this.values.length > 0) {
      out.emit({ values: this.values, timestamps: this.timestamps });
      this.values = [];
      this.timestamps = [];
    }
    if (this.sides !== undefined) {
      for (const [tag, buf] of this.sides) out.emitSide(tag, buf);
      this.sides = undefined;
    }
  }
}
