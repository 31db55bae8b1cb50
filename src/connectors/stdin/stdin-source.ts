/**
 * @module connectors/stdin/stdin-source
 * `source:stdin`: a bounded stream of the CSV or JSON-lines records piped into the process's standard
 * input (`env.fromStdin`, `cat events.jsonl | bicycle sql "..."`); it ends at EOF. Options are those of
 * the file source (`format`, `header`, `delimiter`, `columns`, `schema`, `onBadRecord`, `batchSize`)
 * without `path`; records are split and decoded by the same code (connectors/file/records.ts).
 *
 * Not replayable: bytes read from a pipe are gone. `snapshotState` returns the count of records read
 * (for diagnostics), and restoring a stdin source - a restart after a failure, or a savepoint - fails
 * with a non-retriable ConnectorError (code STDIN_NOT_REPLAYABLE) rather than silently losing or
 * re-reading input. Jobs that must survive failures should read a file. Only subtask 0 reads (a
 * process has one stdin); the others end at once, so at parallelism > 1 periodic checkpoints are
 * declined (some tasks finished) - harmless, as nothing could be restored from them anyway; the
 * exactly-once file sink still commits at end of input. In a cluster, "stdin" is the worker process's.
 */
import { ConnectorError } from "../common/connector-error.ts";
import { PlanError, type PollResult, type Source, type SourceContext, type SourceOutput, type TaskLocation } from "../../core/index.ts";
import { parseTextSourceConfig, TextRecordDecoder, type TextSourceConfig } from "../file/file-source.ts";
import { METRIC_BAD_RECORDS_SKIPPED, RecordSplitter } from "../file/records.ts";

/** What a stdin source checkpoints: only how many records it has read. */
export interface StdinSourceState {
  readonly recordsRead: number;
}

export function parseStdinSourceConfig(config: Readonly<Record<string, unknown>>, name = "stdin"): TextSourceConfig {
  if (config.path !== undefined) throw new PlanError(`source:stdin '${name}': option 'path' is not supported (use the file source)`);
  return parseTextSourceConfig(config, `source:stdin '${name}'`);
}

/** The input the stdin source reads; tests replace it. */
export type ByteStream = ReadableStream<Uint8Array>;

export class StdinSource implements Source<Record<string, unknown>> {
  private reader: { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>; releaseLock(): void } | undefined;
  private readonly splitter: RecordSplitter;
  private readonly records: TextRecordDecoder;
  private eof = false;
  private recordsRead = 0;

  constructor(
    readonly config: TextSourceConfig,
    private readonly input: () => ByteStream = () => Bun.stdin.stream() as ByteStream,
  ) {
    this.splitter = new RecordSplitter(config.format === "csv");
    this.records = new TextRecordDecoder(config, "stdin");
  }

  restoreState(states: readonly unknown[], location: TaskLocation): void {
    const read = states.reduce<number>((sum, s) => sum + ((s as StdinSourceState | null)?.recordsRead ?? 0), 0);
    throw new ConnectorError(
      `source '${location.operatorName}' reads stdin, which cannot be re-read: the job cannot be restored from a checkpoint or savepoint ` +
        `(the previous run had read ${read} records). Read from a file (env.fromFile / connector='file') to make the job restartable.`,
      { code: "STDIN_NOT_REPLAYABLE", retriable: false },
    );
  }

  open(ctx: SourceContext): void {
    if (ctx.location.subtaskIndex !== 0) {
      this.eof = true;
      return;
    }
    this.records.skipped = ctx.metrics.counter(METRIC_BAD_RECORDS_SKIPPED);
    this.reader = this.input().getReader();
  }

  pollNext(out: SourceOutput<Record<string, unknown>>): PollResult | Promise<PollResult> {
    const values: Record<string, unknown>[] = [];
    while (values.length < this.config.batchSize) {
      const raw = this.splitter.next(this.eof);
      if (raw === null) break;
      const value = this.records.decode(raw.text, raw.line);
      if (value !== undefined) values.push(value);
    }
    if (values.length > 0) {
      this.recordsRead += values.length;
      out.collect(values);
      return "more";
    }
    if (this.eof || this.reader === undefined) return "end";
    return this.reader.read().then(({ done, value }) => {
      if (done) this.eof = true;
      else if (value !== undefined) this.splitter.push(value);
      return "more";
    });
  }

  snapshotState(): StdinSourceState {
    return { recordsRead: this.recordsRead };
  }

  close(): void {
    this.reader?.releaseLock();
  }
}
