/**
 * @module connectors/generator/generator-source
 * A deterministic, index-based generator (`env.fromGenerator`): record i is `generate(i)`, for i in
 * [0, count). Subtasks read interleaved splits through a SplitCursor (parallel subtasks advance together), so the same job gives the same
 * records at any parallelism and its position is replayable. An optional rate (records/s over all
 * subtasks) paces it; unpaced it runs flat out.
 */
import type { PollResult, Source, SourceContext, SourceOutput, TaskLocation } from "../../core/index.ts";
import { SplitCursor } from "../common/split-cursor.ts";

export interface GeneratorOptions {
  readonly count: number;
  readonly batchSize: number;
  /** Records per second over all subtasks; 0 or absent = unthrottled. */
  readonly ratePerSecond?: number;
}

export class GeneratorSource<T> implements Source<T> {
  private readonly cursor: SplitCursor;
  private startedAt = 0;
  private emitted = 0;
  private rate = 0;

  constructor(
    private readonly generate: (index: number) => T,
    private readonly options: GeneratorOptions,
  ) {
    this.cursor = new SplitCursor(options.count);
  }

  restoreState(states: readonly unknown[], _location: TaskLocation): void {
    this.cursor.restore(states);
  }

  open(ctx: SourceContext): void {
    this.cursor.assign(ctx.location, ctx.maxParallelism);
    this.rate = (this.options.ratePerSecond ?? 0) / ctx.location.parallelism;
    this.startedAt = performance.now();
  }

  pollNext(out: SourceOutput<T>): PollResult {
    let max = this.options.batchSize;
    if (this.rate > 0) {
      const allowed = Math.floor(((performance.now() - this.startedAt) / 1000) * this.rate) - this.emitted;
      if (allowed <= 0) return this.cursor.remaining() > 0 ? "idle" : "end";
      max = Math.min(max, allowed);
    }
    const generate = this.generate;
    const run = this.cursor.takeRun(max);
    if (run === null) return "end";
    const [first, length] = run;
    const values = new Array<T>(length);
    for (let j = 0; j < length; j++) values[j] = generate(first + j);
    // Parallel subtasks get runs of one row of their splits: fill the batch from the next runs.
    while (values.length < max) {
      const more = this.cursor.takeRun(max - values.length);
      if (more === null) break;
      for (let i = more[0], end = more[0] + more[1]; i < end; i++) values.push(generate(i));
    }
    if (values.length === 0) return "end";
    const n = values.length;
    this.emitted += n;
    out.collect(values);
    return "more";
  }

  snapshotState(): unknown {
    return this.cursor.snapshot();
  }
}
