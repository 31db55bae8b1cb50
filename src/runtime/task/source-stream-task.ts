/**
 * @module runtime/task/source-stream-task
 * A task whose chain starts with a source: polls the source, stamps event times, generates watermarks
 * and idleness, and feeds each polled batch through the chain. At the end of a bounded source it emits
 * the final watermark (+inf) so every event-time window fires, then end of input.
 *
 * Watermarks come from one of two places: the job's WatermarkStrategy (a BoundedOutOfOrdernessGenerator
 * over each emitted batch, idleness after `idleTimeoutMs` without records), or — when the source
 * implements `Source.currentWatermark` — the source itself, asked after every poll. The second serves
 * sources whose splits progress separately in event time (Kafka partitions): only the source knows the
 * min over its splits and which split is idle. The task then only forwards: a watermark that advanced,
 * and the idle/active status the source reports.
 */
import { JobError, MAX_WATERMARK, NO_TIMESTAMP, type CheckpointBarrier, type MetricGroup, type Source, type SourceContext, type SourceOutput } from "../../core/index.ts";
import { BoundedOutOfOrdernessGenerator, type WatermarkSpec } from "../time/watermark-generator.ts";
import type { OperatorSubtaskState } from "../checkpointing/task-snapshot.ts";
import type { ChainedOperator } from "./chained-operator.ts";
import type { RecordWriter } from "./record-writer.ts";
import { StreamTask, type JobRunControl, type TaskCheckpointing } from "./stream-task.ts";

export interface SourceTaskOptions {
  readonly source: Source<unknown>;
  readonly context: SourceContext;
  readonly timestampOf: ((value: unknown) => number) | null;
  readonly watermarks: WatermarkSpec | null;
}

const IDLE_POLL_MS = 1;

export class SourceStreamTask extends StreamTask {
  private readonly generator: BoundedOutOfOrdernessGenerator | null;
  /** The source provides its own watermark (`Source.currentWatermark`); the generator is then unused. */
  private readonly sourceWatermarks: boolean;
  private lastSourceWatermark = Number.NEGATIVE_INFINITY;
  private lastDataAt = performance.now();
  private isIdle = false;
  /** Records emitted so far (positions in error messages). */
  private emitted = 0;
  /** The source has ended: later checkpoint triggers are ignored. */
  private finished = false;
  private readonly output: SourceOutput<unknown>;

  constructor(
    name: string,
    chain: readonly ChainedOperator[],
    writers: readonly RecordWriter[],
    control: JobRunControl,
    metrics: MetricGroup,
    checkpointing: TaskCheckpointing,
    private readonly options: SourceTaskOptions,
  ) {
    super(name, chain, writers, control, metrics, checkpointing);
    this.sourceWatermarks = typeof options.source.currentWatermark === "function";
    this.generator = options.watermarks === null || this.sourceWatermarks ? null : new BoundedOutOfOrdernessGenerator(options.watermarks);
    this.output = { collect: (values, timestamps) => this.emit(values, timestamps) };
  }

  private emit(values: unknown[], given?: number[]): void {
    if (values.length === 0) return;
    const head = this.chain[0]!;
    let timestamps = given;
    if (timestamps === undefined) {
      const timestampOf = this.options.timestampOf;
      timestamps = new Array<number>(values.length);
      if (timestampOf === null) timestamps.fill(NO_TIMESTAMP);
      else this.assignTimestamps(timestampOf, values, timestamps);
    }
    this.emitted += values.length;
    this.lastDataAt = performance.now();
    if (this.isIdle) {
      this.isIdle = false;
      head.processStatus(false);
    }
    head.processBatch({ values, timestamps });
    if (this.generator !== null) {
      const wm = this.generator.onBatch(timestamps);
      if (wm !== null) head.processWatermark(wm);
    }
  }

  /** Forward the source's own watermark and idle status (sources implementing `currentWatermark`). */
  private advanceSourceWatermark(): void {
    const head = this.chain[0]!;
    const wm = this.options.source.currentWatermark!();
    if (wm === "idle") {
      if (!this.isIdle) {
        this.isIdle = true;
        head.processStatus(true);
      }
      return;
    }
    if (this.isIdle) {
      this.isIdle = false;
      head.processStatus(false);
    }
    if (wm !== null && wm > this.lastSourceWatermark) {
      this.lastSourceWatermark = wm;
      head.processWatermark(wm);
    }
  }

  /** Run the user's timestamp assigner; a failure or a non-finite result names the source and record. */
  private assignTimestamps(timestampOf: (value: unknown) => number, values: unknown[], timestamps: number[]): void {
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const t = timestampOf(values[i]);
        if (typeof t !== "number" || !Number.isFinite(t)) {
          throw new TypeError(`the timestamp assigner returned ${String(t)}; expected finite epoch milliseconds`);
        }
        timestamps[i] = t;
      }
    } catch (error) {
      throw JobError.fromUserFunction(error, this.chain[0]!.location, this.emitted + i);
    }
  }

  /**
   * Start checkpoint `barrier` at this source (called by the coordinator's side). It runs from the
   * mailbox, between two polls: the snapshot holds the position after the last emitted batch, and the
   * barrier follows that batch downstream.
   */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.enqueueMail(() => {
      if (!this.finished) this.performCheckpoint(barrier);
    });
  }

  protected override snapshotInput(checkpointId: number, operators: Record<string, OperatorSubtaskState>): void {
    const source = this.options.source;
    if (!source.snapshotState) return;
    const uid = this.chain[0]!.uid;
    operators[uid] = { ...operators[uid], operator: source.snapshotState(checkpointId) };
  }

  protected override notifyInput(checkpointId: number): void {
    this.options.source.notifyCheckpointComplete?.(checkpointId);
  }

  protected async openInput(): Promise<void> {
    const opened = this.options.source.open?.(this.options.context);
    if (opened instanceof Promise) await Promise.race([opened, this.control.cancelled]);
  }

  protected async processInput(): Promise<void> {
    const source = this.options.source;
    const idleTimeout = this.sourceWatermarks ? 0 : (this.options.watermarks?.idleTimeoutMs ?? 0);
    for (;;) {
      this.checkCancelled();
      const ready = this.beforeInput();
      if (ready !== undefined) await ready;
      if (this.pendingStop !== null) await this.awaitStopDecision();
      if (this.stopRequested) break;
      let result = source.pollNext(this.output);
      if (result instanceof Promise) result = await Promise.race([result, this.control.cancelled]);
      if (result === "end") break;
      if (this.sourceWatermarks) this.advanceSourceWatermark();
      if (result === "idle") {
        if (idleTimeout > 0 && !this.isIdle && performance.now() - this.lastDataAt >= idleTimeout) {
          this.isIdle = true;
          this.chain[0]!.processStatus(true);
        }
        await Promise.race([new Promise((r) => setTimeout(r, IDLE_POLL_MS)), this.wakeup.wait(), this.control.cancelled]);
        const drained = this.runMailAndWait();
        if (drained !== undefined) await drained;
        if (this.pendingStop !== null) await this.awaitStopDecision();
        if (this.stopRequested) break;
        continue;
      }
      const yielded = this.maybeYield();
      if (yielded !== undefined) await yielded;
    }
    this.finished = true;
    if (this.stopRequested) {
      // Stop with savepoint: end the stream after the savepoint's barrier, without the final
      // watermark, so no window fires on data a resumed job will still see.
      for (const writer of this.writers) writer.endInput();
      return;
    }
    const head = this.chain[0]!;
    if (this.isIdle) head.processStatus(false);
    head.processWatermark(MAX_WATERMARK);
    head.endInput();
  }

  protected override async closeInput(): Promise<void> {
    await this.options.source.close?.();
  }
}
