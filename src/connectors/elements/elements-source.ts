/**
 * @module connectors/elements/elements-source
 * A bounded source over an in-memory array (`env.fromElements`). Subtask s of p reads the elements at
 * indexes s, s+p, s+2p, ... in order, a batch at a time; its position is one index, so it is replayable.
 */
import type { PollResult, Source, SourceContext, SourceOutput } from "../../core/index.ts";

export class ElementsSource<T> implements Source<T> {
  private next = 0;
  private stride = 1;

  constructor(
    private readonly elements: readonly T[],
    private readonly batchSize: number,
  ) {}

  open(ctx: SourceContext): void {
    this.next = ctx.location.subtaskIndex;
    this.stride = ctx.location.parallelism;
  }

  pollNext(out: SourceOutput<T>): PollResult {
    const { elements, stride, batchSize } = this;
    const values: T[] = [];
    let i = this.next;
    for (; i < elements.length && values.length < batchSize; i += stride) values.push(elements[i]!);
    this.next = i;
    if (values.length > 0) out.collect(values);
    return i < elements.length ? "more" : "end";
  }
}
