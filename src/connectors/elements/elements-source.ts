/**
 * @module connectors/elements/elements-source
 * A bounded source over an in-memory array (`env.fromElements`). The array is read through a
 * SplitCursor: each subtask reads its interleaved splits in index order, a batch at a time, and its position is
 * replayable and redistributable across parallelism changes.
 */
import type { PollResult, Source, SourceContext, SourceOutput, TaskLocation } from "../../core/index.ts";
import { SplitCursor } from "../common/split-cursor.ts";

export class ElementsSource<T> implements Source<T> {
  private readonly cursor: SplitCursor;

  constructor(
    private readonly elements: readonly T[],
    private readonly batchSize: number,
  ) {
    this.cursor = new SplitCursor(elements.length);
  }

  restoreState(states: readonly unknown[], _location: TaskLocation): void {
    this.cursor.restore(states);
  }

  open(ctx: SourceContext): void {
    this.cursor.assign(ctx.location, ctx.maxParallelism);
  }

  pollNext(out: SourceOutput<T>): PollResult {
    const indexes = this.cursor.take(this.batchSize);
    if (indexes === null) return "end";
    const elements = this.elements;
    out.collect(indexes.map((i) => elements[i]!));
    return "more";
  }

  snapshotState(): unknown {
    return this.cursor.snapshot();
  }
}
