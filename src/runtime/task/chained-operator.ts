/**
 * @module runtime/task/chained-operator
 * One operator inside a task's chain, with its Output. Receives batches and watermarks from the
 * operator before it (or the task's input), counts records, fires timers before forwarding a
 * watermark, and turns failures into JobErrors that name the operator, subtask and record position.
 */
import { JobError, RecordProcessingFailure } from "../../core/index.ts";
import type { Counter, MetricGroup, Operator, OperatorContext, Output, RecordBatch, TaskLocation } from "../../core/index.ts";
import type { KeyedStateBackend } from "../../state/index.ts";
import type { OperatorSubtaskState } from "../checkpointing/task-snapshot.ts";
import type { KeyedTimerService } from "../time/timer-service.ts";
import type { Downstream } from "./downstream.ts";
import { PendingWork } from "./pending-work.ts";
import { METRIC_RECORDS_IN, METRIC_RECORDS_OUT } from "../events.ts";

/** Fans an operator's output out to its downstream consumers (chained operators and writers). */
export class ChainOutput implements Output<unknown> {
  readonly main: Downstream[] = [];
  readonly sides = new Map<string, Downstream[]>();
  constructor(private readonly recordsOut: Counter) {}

  emit(batch: RecordBatch<unknown>): void {
    this.recordsOut.inc(batch.values.length);
    const main = this.main;
    for (let i = 0; i < main.length; i++) main[i]!.processBatch(batch);
  }

  emitSide(tagId: string, batch: RecordBatch<unknown>): void {
    const targets = this.sides.get(tagId);
    if (targets !== undefined) for (const d of targets) d.processBatch(batch);
  }

  /** Every downstream, main and side: control events go to all of them. */
  *all(): Iterable<Downstream> {
    yield* this.main;
    for (const targets of this.sides.values()) yield* targets;
  }

  emitWatermark(timestamp: number): void {
    for (const d of this.all()) d.processWatermark(timestamp);
  }
}

export class ChainedOperator implements Downstream {
  readonly output: ChainOutput;
  private readonly recordsIn: Counter;
  private readonly fireEventTime: (key: unknown, ts: number) => void;
  private readonly fireProcessingTime: (key: unknown, ts: number) => void;

  constructor(
    readonly operator: Operator<unknown, unknown>,
    private readonly context: OperatorContext,
    readonly timers: KeyedTimerService,
    /** Keyed state of this operator subtask, or null when it is not keyed. */
    readonly store: KeyedStateBackend | null = null,
  ) {
    const metrics: MetricGroup = context.metrics;
    this.recordsIn = metrics.counter(METRIC_RECORDS_IN);
    this.output = new ChainOutput(metrics.counter(METRIC_RECORDS_OUT));
    const op = operator;
    const out = this.output;
    this.fireEventTime = op.onEventTimeTimer ? (k, ts) => op.onEventTimeTimer!(k, ts, out) : () => {};
    this.fireProcessingTime = op.onProcessingTimeTimer ? (k, ts) => op.onProcessingTimeTimer!(k, ts, out) : () => {};
  }

  get location(): TaskLocation {
    return this.context.location;
  }

  /** The operator's stable id: what its state is filed under in checkpoints and savepoints. */
  get uid(): string {
    return this.context.location.operatorId;
  }

  /** Set by the task: where work started by asynchronous hooks is tracked. */
  work: PendingWork = new PendingWork();

  /** A hook returned a Promise: the task waits for it; a rejection fails the task naming this operator. */
  private track(result: unknown): void {
    if (result instanceof Promise) this.work.track(result.catch((error: unknown) => this.fail(error)));
  }

  /**
   * Keyed state, timers and operator state for checkpoint `checkpointId` (between two batches). A
   * Promise when the operator's snapshotState is asynchronous (a sink flushing its transaction).
   */
  snapshot(checkpointId: number): OperatorSubtaskState | Promise<OperatorSubtaskState> {
    try {
      const keyed = this.store === null ? {} : { keyed: this.store.snapshot(checkpointId), timers: this.timers.snapshot() };
      if (!this.operator.snapshotState) return keyed;
      const state: unknown = this.operator.snapshotState(checkpointId);
      if (state instanceof Promise) {
        return state.then(
          (operator: unknown) => ({ ...keyed, operator }),
          (error: unknown) => this.fail(error),
        );
      }
      return { ...keyed, operator: state };
    } catch (error) {
      this.fail(error);
    }
  }

  /** Load the state of every previous subtask of this operator; runs before open. */
  restore(states: readonly OperatorSubtaskState[]): void {
    if (states.length === 0) return;
    try {
      if (this.store !== null) {
        this.store.restore(states.flatMap((s) => (s.keyed === undefined ? [] : [s.keyed])));
        this.timers.restore(states.flatMap((s) => s.timers ?? []), this.store.options.keyGroupRange, this.context.maxParallelism);
      }
      if (this.operator.restoreState) this.operator.restoreState(states.map((s) => s.operator), this.location);
    } catch (error) {
      this.fail(error);
    }
  }

  notifyCheckpointComplete(checkpointId: number): void {
    try {
      this.track(this.operator.notifyCheckpointComplete?.(checkpointId));
    } catch (error) {
      this.fail(error);
    }
  }

  /** Release the operator (close errors name it, like any other failure). */
  close(): void | Promise<void> {
    try {
      const result = this.operator.close?.();
      if (result instanceof Promise) return result.catch((error: unknown) => this.fail(error));
    } catch (error) {
      this.fail(error);
    }
  }

  open(): void {
    try {
      this.track(this.operator.open?.(this.context));
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown, recordsBefore?: number): never {
    if (error instanceof JobError) throw error;
    if (error instanceof RecordProcessingFailure) {
      throw JobError.fromUserFunction(error.cause, this.location, recordsBefore === undefined ? undefined : recordsBefore + error.indexInBatch);
    }
    throw JobError.fromUserFunction(error, this.location);
  }

  processBatch(batch: RecordBatch<unknown>): void {
    const before = this.recordsIn.count;
    this.recordsIn.inc(batch.values.length);
    try {
      const backpressure = this.operator.processBatch(batch, this.output);
      if (backpressure instanceof Promise) this.track(backpressure);
    } catch (error) {
      this.fail(error, before);
    }
  }

  processWatermark(timestamp: number): void {
    try {
      this.timers.advanceWatermark(timestamp, this.fireEventTime);
      if (this.operator.processWatermark) this.operator.processWatermark(timestamp, this.output);
      else this.output.emitWatermark(timestamp);
    } catch (error) {
      this.fail(error);
    }
  }

  advanceProcessingTime(now: number): void {
    try {
      this.timers.advanceProcessingTime(now, this.fireProcessingTime);
      // One flush per round of timers, not one batch per timer (credits are checked per round).
      this.operator.afterProcessingTimers?.(this.output);
    } catch (error) {
      this.fail(error);
    }
  }

  processStatus(idle: boolean): void {
    for (const d of this.output.all()) d.processStatus(idle);
  }

  endInput(): void {
    try {
      this.track(this.operator.endInput?.(this.output));
    } catch (error) {
      this.fail(error);
    }
    for (const d of this.output.all()) d.endInput();
  }
}
