/**
 * @module connectors/generator/generator-source
 * A deterministic, index-based generator (`env.fromGenerator`): record i is `generate(i)`, for i in
 * [0, count). Subtasks split the index range into contiguous slices, so the same job gives the same
 * records at any parallelism. An optional rate (records/s per source) paces it; unpaced it runs flat out.
 */
import type { PollResult, Source, SourceContext, SourceOutput } from "../../core/index.ts";

export interface GeneratorOptions {
  readonly count: number;
  readonly batchSize: number;
  /** Records per second over all subtasks; 0 or absent = unthrottled. */
  readonly ratePerSecond?: number;
}

/** The slice [start, end) of `count` indexes owned by `subtask` of `parallelism`. */
export function indexRange(count: number, subtask: number, parallelism: number): [number, number] {
  return [Math.floor((count * subtask) / parallelism), Math.floor((count * (subtask + 1)) / parallelism)];
}

export class GeneratorSource<T> implements Source<T> {
  private next = 0;
  private end = 0;
  private startedAt = 0;
  private first = 0;
  private rate = 0;

  constructor(
    private readonly generate: (index: number) => T,
    private readonly options: GeneratorOptions,
  ) {}

  open(ctx: SourceContext): void {
    const { subtaskIndex, parallelism } = ctx.location;
    [this.next, this.end] = indexRange(this.options.count, subtaskIndex, parallelism);
    this.first = this.next;
    this.rate = (this.options.ratePerSecond ?? 0) / parallelism;
    this.startedAt = performance.now();
  }

  pollNext(out: SourceOutput<T>): PollResult {
    if (this.next >= this.end) return "end";
    let n = Math.min(this.options.batchSize, this.end - this.next);
    if (this.rate > 0) {
      const allowed = Math.floor(((performance.now() - this.startedAt) / 1000) * this.rate) - (this.next - this.first);
      if (allowed <= 0) return "idle";
      n = Math.min(n, allowed);
    }
    const values = new Array<T>(n);
    const generate = this.generate;
    for (let j = 0; j < n; j++) values[j] = generate(this.next + j);
    this.next += n;
    out.collect(values);
    return this.next < this.end ? "more" : "end";
  }
}
