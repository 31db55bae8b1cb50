/**
 * @module core/source
 * The Source interface the runtime polls. A source subtask reads its split and hands records over a
 * batch at a time; event-time timestamps and watermarks are added by the runtime from the job's
 * WatermarkStrategy, not by the source.
 */
import type { TaskLocation } from "./errors.ts";
import type { MetricGroup } from "./metrics.ts";

export interface SourceContext {
  readonly location: TaskLocation;
  readonly metrics: MetricGroup;
}

/** Receives what one poll produced. `timestamps`, when given, are the records' event times. */
export interface SourceOutput<T> {
  collect(values: T[], timestamps?: number[]): void;
}

/** `more`: poll again now; `idle`: nothing available right now; `end`: the split is exhausted. */
export type PollResult = "more" | "idle" | "end";

export interface Source<T> {
  open?(ctx: SourceContext): void | Promise<void>;
  /** Emit at most one batch (or a few) and say whether more may follow. */
  pollNext(out: SourceOutput<T>): PollResult | Promise<PollResult>;
  close?(): void | Promise<void>;
}
