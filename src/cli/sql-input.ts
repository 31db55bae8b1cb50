/**
 * @module cli/sql-input
 * The `input` table of `bicycle sql`: a CSV or JSON-lines file given with `--input` (format from the
 * extension), or standard input spooled to a temporary file. Its schema is inferred from the first
 * 1,000 records (connectors/file/schema.ts: ISO-8601 strings are TIMESTAMP, integers BIGINT, ...).
 *
 * Why stdin is spooled rather than streamed through `source:stdin`: the schema must be known before
 * the query is planned, so the first lines have to be read here, on the main thread; but the source
 * runs in a slot thread (a Bun Worker) that reads fd 0 itself, and bytes read from a pipe cannot be
 * given back to it. Spooling to a file keeps every byte, and as a bonus the job reads a replayable file
 * (checkpoints and restarts work, and parallel subtasks share the reading). The cost: the job starts
 * at EOF, so an endless stdin (`tail -f`) is never queried - give such input as a file or Kafka table.
 */
import { existsSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { ConfigError } from "../core/index.ts";
import { inferSchema, sampleFile, type RecordSchema } from "../index.ts";

export type InputFormat = "csv" | "jsonl";
export const INPUT_FORMATS: readonly InputFormat[] = ["csv", "jsonl"];

/** Records read to infer the schema. */
export const SCHEMA_SAMPLE_RECORDS = 1000;

/** The `input` table as the planner takes it (SqlPlannerOptions.input). */
export interface InputTable {
  readonly path: string;
  readonly format: InputFormat;
  readonly schema: RecordSchema;
  readonly watermark: string | null;
}

/** Whether the SQL text refers to a table named `input` (a word match: false positives only cost a read of stdin). */
export const mentionsInputTable = (sql: string): boolean => /(?<![\w$.])`?input`?(?![\w$])/i.test(sql);

/** The format of an input file from its extension: .csv -> csv; .jsonl, .ndjson, .json -> jsonl. */
export function inputFormatOf(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl" || ext === ".ndjson" || ext === ".json") return "jsonl";
  throw new ConfigError(`--input ${path}: cannot tell the format from the extension '${ext}'; name the file .csv, .jsonl or .ndjson`);
}

/** Infer the schema of a file of `format` from its first records; `what` names it in errors. */
export function inferFileSchema(path: string, format: InputFormat, what: string): RecordSchema {
  const sample = sampleFile({ path, format, header: true, delimiter: ",", onBadRecord: "skip", batchSize: 1024 }, SCHEMA_SAMPLE_RECORDS);
  const schema = inferSchema(sample);
  if (Object.keys(schema).length === 0) throw new ConfigError(`${what} has no records to infer the columns of table 'input' from`);
  return schema;
}

/** The `input` table for `--input <file>`. */
export function inputTableFromFile(path: string, watermark: string | null): InputTable {
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ConfigError(`input file not found: ${path}`);
  const format = inputFormatOf(path);
  return { path: absolute, format, schema: inferFileSchema(absolute, format, `input file ${path}`), watermark };
}

/** A temporary copy of standard input; `remove()` deletes it (safe to call twice). */
export interface SpooledStdin {
  readonly path: string;
  remove(): Promise<void>;
  /** Synchronous removal, for a signal handler. */
  removeSync(): void;
}

/** Copy standard input to a temporary file, chunk by chunk (never held whole in memory). */
export async function spoolStdin(input: ReadableStream<Uint8Array> = Bun.stdin.stream()): Promise<SpooledStdin> {
  const path = join(tmpdir(), `bicycle-sql-stdin-${process.pid}-${Date.now()}`);
  const writer = Bun.file(path).writer();
  try {
    for await (const chunk of input) writer.write(chunk);
  } finally {
    await writer.end();
  }
  return {
    path,
    remove: () => rm(path, { force: true }),
    removeSync: () => rmSync(path, { force: true }),
  };
}

/** The `input` table for spooled stdin of `format`. */
export function inputTableFromStdin(spooled: SpooledStdin, format: InputFormat, watermark: string | null): InputTable {
  return { path: spooled.path, format, schema: inferFileSchema(spooled.path, format, "standard input"), watermark };
}
