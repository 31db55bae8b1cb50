/**
 * @module core/batch
 * RecordBatch: the unit of data moving through Bicycle. Records travel as arrays, never one promise
 * or message per record. `timestamps[i]` is the event time of `values[i]` in epoch ms, or
 * NO_TIMESTAMP when the stream has no event time.
 */

/** Event time of a record that has none (Flink's Long.MIN_VALUE). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;

/**
 * A batch of records. Ownership passes with the batch: a receiver may keep the arrays, and the sender
 * must not mutate them after emitting. Two batches may share one `timestamps` array (a map does).
 */
export interface RecordBatch<T> {
  readonly values: T[];
  readonly timestamps: number[];
}

export function createBatch<T>(values: T[], timestamps: number[]): RecordBatch<T> {
  return { values, timestamps };
}

/** A batch whose records all carry `timestamp`. */
export function batchWithTimestamp<T>(values: T[], timestamp: number = NO_TIMESTAMP): RecordBatch<T> {
  return { values, timestamps: new Array<number>(values.length).fill(timestamp) };
}

/** Default number of records a source puts in one batch. */
export const DEFAULT_BATCH_SIZE = 1024;
