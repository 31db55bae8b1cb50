/**
 * @module core/operator
 * The interfaces the runtime drives: Operator, Output, OperatorContext, TimerService. Operators
 * (src/operators) implement them; the runtime (src/runtime) calls them. Neither imports the other.
 *
 * Contract:
 * - Work arrives a batch at a time (`processBatch`); an operator loops over the batch itself, so a
 *   chain of operators runs one batch through one synchronous call stack with no await per record.
 * - The runtime never calls two methods of one operator concurrently.
 * - Lifecycle: restoreState? -> open -> (processBatch | processWatermark | on*Timer | snapshotState |
 *   notifyCheckpointComplete)* -> endInput -> close.
 * - Keyed state and timers are snapshotted by the runtime; `snapshotState` is only for state an operator
 *   keeps itself (structured-clone data: numbers, strings, arrays, plain objects, Maps).
 * - open, snapshotState, notifyCheckpointComplete, endInput and close may return a Promise (a sink
 *   flushing or committing a transaction): the task then takes no further input until it settles, and
 *   a rejection fails the task. processBatch does its work synchronously, but a sink whose client
 *   buffer is full may return a Promise: the task takes its next input only after it settled
 *   (backpressure from an external system). Timer and watermark hooks are synchronous.
 */
import type { RecordBatch } from "./batch.ts";
import type { TaskLocation } from "./errors.ts";
import type { KeyedStateStore } from "./keyed-state.ts";
import type { MetricGroup } from "./metrics.ts";

/** Where an operator sends its results. Batches passed to `emit` belong to the receiver from then on. */
export interface Output<T> {
  emit(batch: RecordBatch<T>): void;
  /** Emit to the side output named by an OutputTag id (late data, ...). Dropped if nothing consumes it. */
  emitSide(tagId: string, batch: RecordBatch<unknown>): void;
  emitWatermark(timestamp: number): void;
}

/** Timers of a keyed operator. Timers are per (current key, timestamp) and deduplicated. */
export interface TimerService {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(timestamp: number): void;
  deleteEventTimeTimer(timestamp: number): void;
  registerProcessingTimeTimer(timestamp: number): void;
  deleteProcessingTimeTimer(timestamp: number): void;
}

/** What an operator can reach at run time. */
export interface OperatorContext {
  readonly location: TaskLocation;
  readonly maxParallelism: number;
  readonly metrics: MetricGroup;
  /** Keyed state of this subtask. Only keyed operators (after keyBy) have one; others get a PlanError. */
  keyedState(): KeyedStateStore;
  /** Keyed timers; firing calls the operator's onEventTimeTimer / onProcessingTimeTimer. */
  timerService(): TimerService;
}

export interface Operator<I, O> {
  open?(ctx: OperatorContext): void | Promise<void>;
  /** Process every record of `batch`, emitting results to `out`. Required. */
  processBatch(batch: RecordBatch<I>, out: Output<O>): void | Promise<void>;
  /**
   * Called after the runtime has fired the event-time timers up to `timestamp`. The default
   * forwards the watermark; an operator that holds data back may emit a smaller one instead.
   */
  processWatermark?(timestamp: number, out: Output<O>): void;
  /** The key is already set as the current key of the keyed state store. */
  onEventTimeTimer?(key: unknown, timestamp: number, out: Output<O>): void;
  onProcessingTimeTimer?(key: unknown, timestamp: number, out: Output<O>): void;
  /** After a round of processing-time timers: emit what the timers buffered, as one batch. */
  afterProcessingTimers?(out: Output<O>): void;
  /** All inputs have ended (after the final watermark). Flush anything buffered. */
  endInput?(out: Output<O>): void | Promise<void>;
  /** Operator-managed state for checkpoint `checkpointId`, taken between two batches. */
  snapshotState?(checkpointId: number): unknown | Promise<unknown>;
  /**
   * Restore from the snapshots of *every* subtask of the previous run (union redistribution): with a
   * changed parallelism the operator picks what belongs to `location.subtaskIndex`. Runs before open.
   */
  restoreState?(states: readonly unknown[], location: TaskLocation): void;
  /** Checkpoint `checkpointId` is complete everywhere (two-phase-commit sinks commit here). */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

/**
 * Thrown by an operator when user code fails on one record, so the runtime can name the record's
 * position in the subtask's input (records before this batch + `indexInBatch`).
 */
export class RecordProcessingFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly indexInBatch: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
