/**
 * @module connectors/file/file-source
 * `source:file`: a bounded stream of the records of one CSV or JSON-lines file (`env.fromFile`, SQL
 * tables with connector='file', `bicycle sql --input`). Config:
 * `{ path, format: "csv" | "jsonl", header?: boolean (csv, default true), delimiter?: "," , columns?,
 * schema?, onBadRecord?: "fail" | "skip", batchSize }`.
 *
 * Reading: positioned reads of CHUNK_BYTES through a file descriptor; the file is never held whole
 * (only the unread tail of the current chunk plus a record that spans chunks). Records are split by
 * `RecordSplitter` (LF or CRLF; CSV quotes may hold delimiters and newlines), decoded, then coerced to
 * `schema` when one is given (CSV fields are strings otherwise).
 *
 * Position: the byte offset of the next unread record and its line number, plus the CSV column names
 * (so a restore past the header needs no re-read). Checkpoints store it; a restored job continues
 * exactly after the last checkpointed record.
 *
 * Parallelism: record index r (header excluded) belongs to subtask r % parallelism. Every subtask scans
 * all bytes and decodes only its own records. Byte-range splits aligned to line starts are not sound for
 * CSV: a newline inside quotes cannot be told apart from a record end without scanning from the start
 * of the file. And a subtask must not end early: checkpoints are declined once any task has finished,
 * so "only subtask 0 reads, the others end" would disable checkpoints for the whole job. The byte scan
 * is cheap next to decoding, which is split. Restore at the same parallelism: each subtask takes its
 * own position. After a rescale: every new subtask starts at the least advanced old position and
 * carries an "emitted" layer (old parallelism + each old subtask's next index) so records that an old
 * subtask already emitted are not emitted again (see `restoredStart`).
 *
 * Malformed records (bad CSV quoting, wrong field count, invalid JSON, a value that does not fit the
 * schema): by default the job fails with a BadRecordError naming the file, the line and the reason (not
 * retriable); with `onBadRecord: "skip"` they are dropped and counted in `badRecordsSkipped`. A missing
 * file fails with a ConnectorError (code FILE_NOT_FOUND) naming the path.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { PlanError, type PollResult, type Source, type SourceContext, type SourceOutput, type TaskLocation } from "../../core/index.ts";
import type { Counter } from "../../core/index.ts";
import { ConnectorError } from "../common/connector-error.ts";
import {
  BadRecordError,
  METRIC_BAD_RECORDS_SKIPPED,
  RecordDecoder,
  RecordSplitter,
  RecordSyntaxError,
  TEXT_FORMATS,
  type BadRecordPolicy,
  type TextFormat,
} from "./records.ts";
import { CoercionError, coerce, parseRecordSchema, type RecordSchema } from "./schema.ts";

/** Bytes per positioned read. */
export const CHUNK_BYTES = 64 * 1024;

/** Options shared by the file and stdin sources. */
export interface TextSourceConfig {
  readonly format: TextFormat;
  /** CSV: the first record holds the column names (default true). */
  readonly header: boolean;
  /** CSV field delimiter (default ","). */
  readonly delimiter: string;
  /** CSV column names when there is no header (default f0, f1, ...). */
  readonly columns?: readonly string[];
  /** Coerce each record to these column types (see schema.ts); without it CSV fields stay strings. */
  readonly schema?: RecordSchema;
  readonly onBadRecord: BadRecordPolicy;
  readonly batchSize: number;
}

export interface FileSourceConfig extends TextSourceConfig {
  readonly path: string;
}

/**
 * Records `r` with `r < next[r % parallelism]` were emitted by the run that wrote this layer (a run at
 * another parallelism): after a rescale they are not emitted again.
 */
export interface EmittedLayer {
  readonly parallelism: number;
  readonly next: readonly number[];
}

/**
 * What a file subtask checkpoints: the byte offset and line of the next unscanned record, its index
 * (records before it that belong to this subtask were emitted), the CSV columns, and the layers
 * inherited from restores at another parallelism.
 */
export interface FileSourcePosition {
  readonly offset: number;
  readonly line: number;
  readonly index: number;
  readonly subtask: number;
  readonly parallelism: number;
  readonly columns?: readonly string[];
  readonly layers?: readonly EmittedLayer[];
}

/** Validate the text options of `what` (a source's description), naming the bad key. */
export function parseTextSourceConfig(config: Readonly<Record<string, unknown>>, what: string): TextSourceConfig {
  const format = config.format;
  if (!(TEXT_FORMATS as readonly unknown[]).includes(format)) throw new PlanError(`${what}: option 'format' must be one of ${TEXT_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
  const header = config.header ?? true;
  if (typeof header !== "boolean") throw new PlanError(`${what}: option 'header' must be a boolean, got ${JSON.stringify(header)}`);
  const delimiter = config.delimiter ?? ",";
  if (typeof delimiter !== "string" || delimiter.length === 0 || /["\r\n]/.test(delimiter)) {
    throw new PlanError(`${what}: option 'delimiter' must be a non-empty string without quotes or newlines, got ${JSON.stringify(delimiter)}`);
  }
  const onBadRecord = config.onBadRecord ?? "fail";
  if (onBadRecord !== "fail" && onBadRecord !== "skip") throw new PlanError(`${what}: option 'onBadRecord' must be "fail" or "skip", got ${JSON.stringify(onBadRecord)}`);
  const batchSize = config.batchSize ?? 1024;
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) throw new PlanError(`${what}: option 'batchSize' must be a positive integer, got ${JSON.stringify(batchSize)}`);
  const columns = config.columns;
  if (columns !== undefined && (!Array.isArray(columns) || !columns.every((c) => typeof c === "string"))) {
    throw new PlanError(`${what}: option 'columns' must be an array of column names`);
  }
  let schema: RecordSchema | undefined;
  if (config.schema !== undefined) {
    try {
      schema = parseRecordSchema(config.schema, what);
    } catch (error) {
      throw new PlanError((error as Error).message);
    }
  }
  return {
    format: format as TextFormat,
    header,
    delimiter,
    onBadRecord,
    batchSize,
    ...(columns === undefined ? {} : { columns: columns as string[] }),
    ...(schema === undefined ? {} : { schema }),
  };
}

export function parseFileSourceConfig(config: Readonly<Record<string, unknown>>, name = "file"): FileSourceConfig {
  const path = config.path;
  if (typeof path !== "string" || path === "") throw new PlanError(`source:file '${name}': option 'path' must be a file path, got ${JSON.stringify(path)}`);
  return { ...parseTextSourceConfig(config, `source:file '${name}' (${path})`), path };
}

/**
 * Decodes and coerces raw records, applying the bad-record policy. Shared by the file and stdin sources.
 * `input` names the input in error messages.
 */
export class TextRecordDecoder {
  readonly decoder: RecordDecoder;
  skipped: Counter | { inc(n?: number): void } = { inc: () => {} };

  constructor(
    private readonly config: TextSourceConfig,
    private readonly input: string,
  ) {
    const columns = config.columns ?? (config.format === "csv" && !config.header && config.schema !== undefined ? Object.keys(config.schema) : undefined);
    this.decoder = new RecordDecoder(config.format, config.delimiter, config.header, columns);
  }

  /** The value of one raw record, `undefined` for the header or a skipped bad record. */
  decode(text: string, line: number): Record<string, unknown> | undefined {
    try {
      const row = this.decoder.decode(text);
      if (row === undefined || this.config.schema === undefined) return row;
      return coerce(row, this.config.schema);
    } catch (error) {
      if (!(error instanceof RecordSyntaxError || error instanceof CoercionError)) throw error;
      if (this.config.onBadRecord === "skip") {
        this.skipped.inc();
        return undefined;
      }
      throw new BadRecordError(this.input, line, error.message);
    }
  }
}

/** Open `path` for reading, or throw a ConnectorError naming it. */
function openForRead(path: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ConnectorError(`file source: no such file '${path}'`, { code: "FILE_NOT_FOUND", retriable: false, cause: error });
    if (code === "EISDIR") throw new ConnectorError(`file source: '${path}' is a directory, not a file`, { code: "FILE_NOT_FOUND", retriable: false, cause: error });
    throw new ConnectorError(`file source: cannot open '${path}': ${(error as Error).message}`, { cause: error });
  }
}

/** Where a reader starts and which records it owns. */
export interface ReaderStart {
  readonly offset: number;
  readonly line: number;
  readonly index: number;
  readonly columns?: readonly string[];
  readonly layers?: readonly EmittedLayer[];
}

/**
 * Reads the records of one file owned by one subtask (record index r belongs to subtask
 * r % parallelism), synchronously, a batch at a time. Every subtask scans every byte (quote-aware
 * splitting needs it), but decodes only its own records.
 */
export class FileRecordReader {
  readonly splitter: RecordSplitter;
  readonly records: TextRecordDecoder;
  /** Positioned reads made so far (tests check the file is read in chunks). */
  reads = 0;
  private fd: number | undefined;
  private eof = false;
  private index: number;
  private layers: readonly EmittedLayer[];

  constructor(
    readonly config: FileSourceConfig,
    start: ReaderStart = { offset: 0, line: 1, index: 0 },
    readonly subtask = 0,
    readonly parallelism = 1,
  ) {
    this.splitter = new RecordSplitter(config.format === "csv", start.offset, start.line);
    this.records = new TextRecordDecoder(config, config.path);
    this.index = start.index;
    this.layers = start.layers ?? [];
    if (start.columns !== undefined) this.records.decoder.setColumns(start.columns);
  }

  open(): void {
    if (this.fd === undefined) this.fd = openForRead(this.config.path);
  }

  position(): FileSourcePosition {
    const columns = this.records.decoder.knownColumns;
    // Layers wholly behind the scan position no longer skip anything.
    const layers = this.layers.filter((l) => Math.max(...l.next) > this.index);
    return {
      offset: this.splitter.offset,
      line: this.splitter.line,
      index: this.index,
      subtask: this.subtask,
      parallelism: this.parallelism,
      ...(columns === undefined ? {} : { columns: [...columns] }),
      ...(layers.length === 0 ? {} : { layers }),
    };
  }

  private owns(r: number): boolean {
    if (r % this.parallelism !== this.subtask) return false;
    for (const layer of this.layers) if (r < layer.next[r % layer.parallelism]!) return false;
    return true;
  }

  /** Up to `max` records; null once the file is exhausted. */
  readBatch(max: number): Record<string, unknown>[] | null {
    const values: Record<string, unknown>[] = [];
    const splitter = this.splitter;
    const decoder = this.records;
    const needHeader = this.config.format === "csv" && this.config.header;
    while (values.length < max) {
      const raw = splitter.next(this.eof);
      if (raw === null) {
        if (this.eof) break;
        this.fill();
        continue;
      }
      if (needHeader && decoder.decoder.knownColumns === undefined) {
        decoder.decode(raw.text, raw.line); // the header: every subtask reads the column names
        continue;
      }
      if (!this.owns(this.index++)) continue;
      const value = decoder.decode(raw.text, raw.line);
      if (value !== undefined) values.push(value);
    }
    return values.length === 0 && this.eof && splitter.buffered === 0 ? null : values;
  }

  private fill(): void {
    if (this.fd === undefined) this.open();
    const chunk = new Uint8Array(CHUNK_BYTES);
    const n = readSync(this.fd!, chunk, 0, CHUNK_BYTES, this.splitter.offset + this.splitter.buffered);
    this.reads++;
    if (n === 0) this.eof = true;
    else this.splitter.push(n === CHUNK_BYTES ? chunk : chunk.subarray(0, n));
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Where subtask `subtask` of `parallelism` starts, given the positions of every subtask of the
 * previous run: its own position at the same parallelism; after a rescale, the least advanced old
 * position plus a layer that keeps the records the old subtasks already emitted from being emitted again.
 */
export function restoredStart(states: readonly FileSourcePosition[], subtask: number, parallelism: number): ReaderStart | undefined {
  if (states.length === 0) return undefined;
  const oldParallelism = states[0]!.parallelism;
  const sameShape = states.length === parallelism && oldParallelism === parallelism && states.every((s) => s.parallelism === parallelism);
  if (sameShape) {
    const own = states.find((s) => s.subtask === subtask);
    if (own !== undefined) return own;
  }
  const next = new Array<number>(oldParallelism).fill(0);
  for (const s of states) next[s.subtask] = s.index;
  const least = states.reduce((a, b) => (b.index < a.index ? b : a));
  return { ...least, layers: [...(least.layers ?? []), { parallelism: oldParallelism, next }] };
}

/**
 * The first `count` records of a file, decoded but not coerced: the sample `inferSchema` reads (SQL
 * tables over files, `env.fromFile(..., { schema: "infer" })`).
 * @example
 * const schema = inferSchema(sampleFile({ path: "orders.csv", format: "csv", header: true, delimiter: ",", onBadRecord: "skip", batchSize: 1024 }));
 */
export function sampleFile(config: FileSourceConfig, count = 1000): Record<string, unknown>[] {
  const { schema: _ignored, ...uncoerced } = config;
  const reader = new FileRecordReader({ ...uncoerced, onBadRecord: "skip" });
  try {
    reader.open();
    return reader.readBatch(count) ?? [];
  } finally {
    reader.close();
  }
}

export class FileSource implements Source<Record<string, unknown>> {
  private restored: readonly FileSourcePosition[] = [];
  private reader: FileRecordReader | undefined;

  constructor(readonly config: FileSourceConfig) {}

  restoreState(states: readonly unknown[], _location: TaskLocation): void {
    this.restored = states.filter(
      (s): s is FileSourcePosition => s !== null && typeof s === "object" && typeof (s as FileSourcePosition).offset === "number" && typeof (s as FileSourcePosition).parallelism === "number",
    );
  }

  open(ctx: SourceContext): void {
    const { subtaskIndex, parallelism } = ctx.location;
    const reader = new FileRecordReader(this.config, restoredStart(this.restored, subtaskIndex, parallelism), subtaskIndex, parallelism);
    reader.records.skipped = ctx.metrics.counter(METRIC_BAD_RECORDS_SKIPPED);
    reader.open();
    this.reader = reader;
  }

  pollNext(out: SourceOutput<Record<string, unknown>>): PollResult {
    const reader = this.reader;
    if (reader === undefined) return "end";
    const values = reader.readBatch(this.config.batchSize);
    if (values === null) return "end";
    if (values.length > 0) out.collect(values);
    return "more";
  }

  snapshotState(): FileSourcePosition | null {
    return this.reader === undefined ? null : this.reader.position();
  }

  close(): void {
    this.reader?.close();
  }
}
