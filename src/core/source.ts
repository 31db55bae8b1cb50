/**
 * @module core/source
 * The Source interface the runtime polls. A source subtask reads its split and hands records over a
 * batch at a time; event-time timestamps and watermarks are added by the runtime from the job's
 * WatermarkStrategy, not by the source — unless the source implements `currentWatermark`: a source
 * that reads several splits with their own event-time progress (Kafka partitions) computes its
 * watermark itself (the min over its active splits) and the runtime uses that instead.
 */
import type { TaskLocation } from "./errors.ts";
import type { MetricGroup } from "./metrics.ts";

export interface SourceContext {
  readonly location: TaskLocation;
  readonly metrics: MetricGroup;
  /** The job's max parallelism: built-in sources cut their input into this many splits. */
  readonly maxParallelism: number;
}

/** Receives what one poll produced. `timestamps`, when given, are the records' event times. */
export interface SourceOutput<T> {
  collect(values: T[], timestamps?: number[]): void;
}

/** `more`: poll again now; `idle`: nothing available right now; `end`: the split is exhausted. */
export type PollResult = "more" | "idle" | "end";

/**
 * A replayable source snapshots its read position between polls; restoring from the positions of every
 * subtask of the previous run (any parallelism) makes it continue exactly after the last checkpoint.
 */
export interface Source<T> {
  open?(ctx: SourceContext): void | Promise<void>;
  /** Emit at most one batch (or a few) and say whether more may follow. */
  pollNext(out: SourceOutput<T>): PollResult | Promise<PollResult>;
  /** The read position, as structured-clone data. */
  snapshotState?(checkpointId: number): unknown;
  /** Positions of all subtasks of the previous run; called before open. */
  restoreState?(states: readonly unknown[], location: TaskLocation): void;
  notifyCheckpointComplete?(checkpointId: number): void;
  /**
   * Optional: the source generates its own watermark (e.g. per Kafka partition, the min over the
   * partitions that are not idle). The task calls it after every poll and replaces its
   * WatermarkStrategy generator with it: a number is the watermark (emitted when it advanced; a
   * watermark never goes back), `"idle"` marks the subtask idle (every split idle, or none assigned)
   * so it does not hold back downstream watermarks, `null` means "no watermark yet".
   */
  currentWatermark?(): number | "idle" | null;
  close?(): void | Promise<void>;
}
