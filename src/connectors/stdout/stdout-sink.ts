/**
 * @module connectors/stdout/stdout-sink
 * `sink:stdout`: where a bare SQL `SELECT` goes. Prints each row as a table line, a JSON object or a
 * CSV record (row-format.ts); the CLI prints the header once before the job starts. Config:
 * `{ format: "table" | "json" | "csv", columns: { name, type }[], updating: boolean }`.
 *
 * Whole lines, whatever the parallelism: the sink's subtasks run in slot threads (Bun Workers) of one
 * process and share file descriptor 1. `process.stdout.write` from several threads interleaves large
 * writes mid-line when stdout is a pipe (a write above PIPE_BUF may be split by the kernel, and each
 * thread's stream buffers on its own). So a batch's lines are written synchronously to fd 1 in chunks
 * of at most PIPE_BUF bytes cut at record ends: POSIX makes a pipe write of up to PIPE_BUF bytes
 * atomic, and a terminal or file write of whole records cannot split another thread's record. Only a
 * single record longer than PIPE_BUF may interleave with another thread's output (in a pipe).
 * A closed stdout (`| head`) silently drops the rest of the output, as `print` tools do.
 */
import { writeSync } from "node:fs";
import { PlanError, type Operator, type Output, type RecordBatch } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { ConnectorError } from "../common/connector-error.ts";
import {
  formatCsvRow,
  formatJsonRow,
  formatTableRow,
  STDOUT_COLUMN_TYPES,
  STDOUT_FORMATS,
  tableWidths,
  type StdoutColumn,
  type StdoutFormat,
} from "./row-format.ts";

/** Largest write a pipe takes atomically: PIPE_BUF, 4096 on Linux, 512 on macOS. */
export const PIPE_BUF_BYTES = process.platform === "darwin" ? 512 : 4096;

export interface StdoutSinkConfig {
  readonly format: StdoutFormat;
  readonly columns: readonly StdoutColumn[];
  /** Rows carry a `$op` change kind; JSON and CSV print it as the first field `op`. */
  readonly updating: boolean;
}

/** Validate a `sink:stdout` node's config, naming the bad option. */
export function parseStdoutSinkConfig(node: Pick<PlanNode, "name" | "config">): StdoutSinkConfig {
  const what = `sink:stdout '${node.name}'`;
  const { format, columns, updating } = node.config as Readonly<Record<string, unknown>>;
  if (!(STDOUT_FORMATS as readonly unknown[]).includes(format)) throw new PlanError(`${what}: option 'format' must be one of ${STDOUT_FORMATS.join(", ")}, got ${JSON.stringify(format)}`);
  if (!Array.isArray(columns) || columns.length === 0) throw new PlanError(`${what}: option 'columns' must be a non-empty array of { name, type }`);
  for (const c of columns as unknown[]) {
    const col = c as Partial<Record<string, unknown>> | null;
    if (col === null || typeof col !== "object" || typeof col.name !== "string" || !(STDOUT_COLUMN_TYPES as readonly unknown[]).includes(col.type)) {
      throw new PlanError(`${what}: column ${JSON.stringify(c)} must be { name: string, type: ${STDOUT_COLUMN_TYPES.join(" | ")} }`);
    }
  }
  if (updating !== undefined && typeof updating !== "boolean") throw new PlanError(`${what}: option 'updating' must be a boolean, got ${JSON.stringify(updating)}`);
  return { format: format as StdoutFormat, columns: columns as StdoutColumn[], updating: updating ?? false };
}

/** Writes one batch of records (each ending in its newline) as whole records. */
export type RecordWriter = (records: readonly string[]) => void;

type FdWrite = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

let stdoutClosed = false;

/**
 * Write `records` (each with its newline) to `fd` synchronously, in chunks of at most PIPE_BUF bytes
 * that end at a record end, retrying a full non-blocking pipe. EPIPE (the reader went away) drops
 * this and all later output of the thread.
 * @example
 * writeWholeRecords(["| +I | 1 |\n", "| +I | 2 |\n"]); // two lines on stdout, never split by another thread
 */
export function writeWholeRecords(records: readonly string[], fd = 1, write: FdWrite = writeSync): void {
  if (stdoutClosed && fd === 1) return;
  let chunk: string[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (chunk.length === 0) return;
    const buffer = Buffer.from(chunk.join(""));
    chunk = [];
    bytes = 0;
    let offset = 0;
    while (offset < buffer.length) {
      try {
        offset += write(fd, buffer, offset, buffer.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") Bun.sleepSync(1);
        else if (code === "EPIPE") {
          if (fd === 1) stdoutClosed = true;
          throw new StdoutClosed();
        } else throw new ConnectorError(`cannot write to stdout: ${(error as Error).message}`, { code: "STDOUT_WRITE_FAILED", retriable: false, cause: error });
      }
    }
  };
  try {
    for (const record of records) {
      const size = Buffer.byteLength(record);
      if (bytes + size > PIPE_BUF_BYTES) flush();
      chunk.push(record);
      bytes += size;
    }
    flush();
  } catch (error) {
    if (!(error instanceof StdoutClosed)) throw error;
  }
}

class StdoutClosed extends Error {}

/**
 * The `sink:stdout` operator: formats each row of a batch and writes the batch with `writeWholeRecords`.
 * @example
 * const sink = new StdoutSink({ format: "json", columns: [{ name: "id", type: "BIGINT" }], updating: false });
 */
export class StdoutSink implements Operator<unknown, never> {
  private readonly format: (row: Readonly<Record<string, unknown>>) => string;

  constructor(
    readonly config: StdoutSinkConfig,
    private readonly write: RecordWriter = (records) => writeWholeRecords(records),
  ) {
    const { columns, updating } = config;
    if (config.format === "table") {
      const widths = tableWidths(columns);
      this.format = (row) => formatTableRow(row, columns, widths);
    } else if (config.format === "json") this.format = (row) => formatJsonRow(row, columns, updating);
    else this.format = (row) => formatCsvRow(row, columns, updating);
  }

  processBatch(batch: RecordBatch<unknown>, _out: Output<never>): void {
    const records: string[] = new Array<string>(batch.values.length);
    for (let i = 0; i < batch.values.length; i++) {
      const row = batch.values[i];
      if (row === null || typeof row !== "object") {
        throw new ConnectorError(`sink:stdout prints rows (objects keyed by column name), got ${row === null ? "null" : typeof row}`, { code: "STDOUT_BAD_ROW", retriable: false });
      }
      records[i] = `${this.format(row as Readonly<Record<string, unknown>>)}\n`;
    }
    if (records.length > 0) this.write(records);
  }
}
