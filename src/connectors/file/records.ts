/**
 * @module connectors/file/records
 * Text input shared by `source:file` and `source:stdin`: a byte-level record splitter (records end at
 * LF outside CSV quotes; a CR before it is dropped; blank lines are skipped but counted) and the
 * decoders for one record (RFC 4180 CSV with `""` escapes and delimiters / newlines inside quotes, or
 * one JSON value per line). The splitter works on bytes, not strings, so a record's byte offset in the
 * input is exact (the file source checkpoints it); in UTF-8 the bytes of `"`, CR and LF never occur
 * inside a multi-byte character, so scanning bytes is safe.
 */
import { ConnectorError } from "../common/connector-error.ts";

export const TEXT_FORMATS = ["csv", "jsonl"] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];
export type BadRecordPolicy = "fail" | "skip";

/** Name of the counter of malformed records skipped under `onBadRecord: "skip"`. */
export const METRIC_BAD_RECORDS_SKIPPED = "badRecordsSkipped";

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** One raw record: its text (without the line end), 1-based first line, and the byte offset just after it. */
export interface RawRecord {
  readonly text: string;
  readonly line: number;
  readonly end: number;
}

/**
 * Cuts pushed bytes into records. `offset` is the input byte offset of the first unconsumed byte (the
 * start of the next record) and `line` the 1-based line it starts on; both are what a checkpoint keeps.
 */
export class RecordSplitter {
  private buffer: Uint8Array = new Uint8Array(0);
  private scanned = 0;
  private inQuotes = false;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });
  /** Largest number of bytes held at once (tests check the input is streamed, not read whole). */
  maxBuffered = 0;

  constructor(
    private readonly quoteAware: boolean,
    public offset = 0,
    public line = 1,
  ) {}

  get buffered(): number {
    return this.buffer.length;
  }

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.buffer.length === 0) this.buffer = bytes;
    else {
      const joined = new Uint8Array(this.buffer.length + bytes.length);
      joined.set(this.buffer, 0);
      joined.set(bytes, this.buffer.length);
      this.buffer = joined;
    }
    if (this.buffer.length > this.maxBuffered) this.maxBuffered = this.buffer.length;
  }

  /**
   * The next complete record, or null when more bytes are needed. With `atEof`, the bytes left form
   * the last record (no trailing newline); an unterminated CSV quote there is reported by the decoder.
   */
  next(atEof: boolean): RawRecord | null {
    for (;;) {
      const buf = this.buffer;
      let i = this.scanned;
      let inQuotes = this.inQuotes;
      let end = -1;
      if (this.quoteAware) {
        for (; i < buf.length; i++) {
          const b = buf[i]!;
          if (b === QUOTE) inQuotes = !inQuotes;
          else if (b === LF && !inQuotes) {
            end = i;
            break;
          }
        }
      } else {
        end = buf.indexOf(LF, i);
        i = end === -1 ? buf.length : end;
      }
      if (end === -1) {
        this.scanned = i;
        this.inQuotes = inQuotes;
        if (!atEof || buf.length === 0) return null;
        end = buf.length;
      }
      const consumed = end < buf.length ? end + 1 : end;
      const textEnd = end > 0 && buf[end - 1] === CR ? end - 1 : end;
      const slice = buf.subarray(0, textEnd);
      let newlines = end < buf.length ? 1 : 0;
      if (this.quoteAware) for (let k = 0; k < textEnd; k++) if (slice[k] === LF) newlines++;
      const line = this.line;
      this.line += newlines;
      this.offset += consumed;
      this.buffer = buf.subarray(consumed);
      this.scanned = 0;
      this.inQuotes = false;
      const text = this.decoder.decode(slice);
      if (text.trim() === "") continue; // blank line: skipped, still counted
      return { text, line, end: this.offset };
    }
  }
}

/** A malformed record: names the input, the line and the reason. Not retriable (replaying fails again). */
export class BadRecordError extends ConnectorError {
  constructor(
    readonly input: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`malformed record in ${input} at line ${line}: ${reason}`, { code: "BAD_RECORD", retriable: false });
  }
}

/** Thrown by the decoders with only a reason; the caller adds input and line. */
export class RecordSyntaxError extends Error {}

/** Split one CSV record into fields (RFC 4180: quoted fields, `""` escapes, embedded delimiters/newlines). */
export function parseCsvRecord(text: string, delimiter: string): string[] {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) throw new RecordSyntaxError(`unterminated quoted field ${fields.length + 1}`);
        value += text.slice(from, q);
        if (text[q + 1] === '"') {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return fields;
      if (!text.startsWith(delimiter, i)) {
        throw new RecordSyntaxError(`unexpected character ${JSON.stringify(text[i])} after the closing quote of field ${fields.length}`);
      }
      i += delimiter.length;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, d));
      i = d + delimiter.length;
    }
  }
}

/** Turns raw records into values: CSV rows into objects keyed by column, JSON lines into their object. */
export class RecordDecoder {
  private columns: readonly string[] | undefined;

  constructor(
    private readonly format: TextFormat,
    private readonly delimiter: string,
    /** CSV: the first record names the columns. */
    readonly header: boolean,
    columns?: readonly string[],
  ) {
    this.columns = columns;
  }

  /** CSV column names once known (the header, the configured names, or f0..fN from the first row). */
  get knownColumns(): readonly string[] | undefined {
    return this.columns;
  }

  setColumns(columns: readonly string[]): void {
    this.columns = columns;
  }

  /** `undefined` for the header record; throws RecordSyntaxError for a malformed one. */
  decode(text: string): Record<string, unknown> | undefined {
    if (this.format === "jsonl") {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new RecordSyntaxError(`invalid JSON (${(error as Error).message})`);
      }
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new RecordSyntaxError(`expected a JSON object, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
      }
      return value as Record<string, unknown>;
    }
    const fields = parseCsvRecord(text, this.delimiter);
    if (this.columns === undefined) {
      if (this.header) {
        this.columns = fields.map((f) => f.trim());
        return undefined;
      }
      this.columns = fields.map((_, i) => `f${i}`);
    }
    const columns = this.columns;
    if (fields.length !== columns.length) {
      throw new RecordSyntaxError(`expected ${columns.length} fields (${columns.join(", ")}), got ${fields.length}`);
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = fields[i];
    return row;
  }
}
