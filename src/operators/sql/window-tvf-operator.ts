/**
 * @module operators/sql/window-tvf-operator
 * `sql:window-tvf`: TUMBLE / HOP table functions not followed by a window aggregation. Each row is
 * copied once per window containing its event time (the record timestamp), in ascending window order,
 * with `window_start`, `window_end` and `window_time` (= window_end - 1) appended. Each copy's record
 * timestamp becomes its window_time, as Flink makes window_time the time attribute of a TVF's output:
 * operators downstream (a window aggregation over the windowed rows, Top-N, window join) then fire a
 * window once the watermark passes its end. A copy is never late by this: window_time >= event time.
 * Windows are [start, end) aligned to the epoch, as the window operator aligns them.
 */
import { NO_TIMESTAMP, RecordProcessingFailure } from "../../core/index.ts";
import type { Operator, Output, RecordBatch } from "../../core/index.ts";
import { windowStart } from "../window/assigners.ts";
import { SqlExecutionError, type Row } from "./expression-compiler.ts";
import type { WindowTvfConfig } from "./ir.ts";

export class WindowTvfOperator implements Operator<Row, Row> {
  private readonly size: number;
  /** Equal to the size for tumbling windows. */
  private readonly slide: number;

  constructor(config: WindowTvfConfig) {
    const w = config.window;
    this.size = w.sizeMs;
    this.slide = w.type === "tumbling" ? w.sizeMs : w.slideMs;
    if (!(this.size > 0) || !(this.slide > 0) || this.slide > this.size) {
      throw new SqlExecutionError(`window TVF needs 0 < slide <= size, got size ${this.size} ms and slide ${this.slide} ms`);
    }
  }

  processBatch(batch: RecordBatch<Row>, out: Output<Row>): void {
    const { size, slide } = this;
    const { values, timestamps } = batch;
    const n = values.length;
    const result: Row[] = [];
    const resultTimestamps: number[] = [];
    let i = 0;
    try {
      for (; i < n; i++) {
        const t = timestamps[i]!;
        if (!Number.isFinite(t)) throw missingTimestamp(t);
        const row = values[i]!;
        const last = windowStart(t, 0, slide);
        let start = last;
        while (start - slide > t - size) start -= slide;
        for (; start <= last; start += slide) {
          const end = start + size;
          result.push({ ...row, window_start: start, window_end: end, window_time: end - 1 });
          resultTimestamps.push(end - 1);
        }
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (result.length > 0) out.emit({ values: result, timestamps: resultTimestamps });
  }
}

function missingTimestamp(t: number): Error {
  return new SqlExecutionError(
    t === NO_TIMESTAMP
      ? "window TVF row has no event-time timestamp; the DESCRIPTOR column must be the source's time attribute (WATERMARK FOR ...)"
      : `window TVF row has an invalid event-time timestamp (${String(t)}); timestamps must be finite epoch milliseconds`,
  );
}
