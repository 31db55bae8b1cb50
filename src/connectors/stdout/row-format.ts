/**
 * @module connectors/stdout/row-format
 * How SQL result rows look on a terminal or in a pipe (`bicycle sql`): Flink SQL client "tableau"
 * rows, JSON lines and RFC 4180 CSV. Pure functions from a row (an object keyed by column name) to
 * one line, so the stdout sink and the CLI's header share one definition of the column widths.
 *
 * Values: TIMESTAMP is epoch ms printed `yyyy-MM-dd HH:mm:ss.SSS` (UTC) in every format; INTERVAL is
 * ms printed as Flink does (`+1 02:03:04.005`); BOOLEAN is TRUE/FALSE in table and CSV (as CAST to
 * VARCHAR prints it) and a JSON boolean in JSON; NULL is `<NULL>` in a table, an empty CSV field and
 * JSON null. An updating row carries its change kind in `$op` ("+I", "+U", ...); a row without one is
 * an insert.
 */
import { OP_COLUMN, SQL_TYPES, type SqlType } from "../../operators/index.ts";

/** Output formats of the stdout sink. */
export const STDOUT_FORMATS = ["table", "json", "csv"] as const;
export type StdoutFormat = (typeof STDOUT_FORMATS)[number];

/** The SQL types a result column can have (operators/sql/ir.ts). */
export const STDOUT_COLUMN_TYPES: readonly SqlType[] = SQL_TYPES;
export type StdoutColumnType = SqlType;

/** One result column, in output order. */
export interface StdoutColumn {
  readonly name: string;
  readonly type: StdoutColumnType;
}

/** What `<NULL>` reads as in a table. */
export const NULL_TEXT = "<NULL>";

/**
 * Display width of a column's values by type (as Flink's tableau printer sizes them): the widest value
 * of a fixed-width type, 30 for VARCHAR (longer strings are cut to `...`). A column is at least as
 * wide as its name and as `<NULL>`.
 */
const TYPE_WIDTH: Readonly<Record<StdoutColumnType, number>> = {
  BIGINT: 20,
  INT: 11,
  DOUBLE: 20,
  BOOLEAN: 5,
  VARCHAR: 30,
  TIMESTAMP: 23,
  INTERVAL: 18,
  NULL: NULL_TEXT.length,
};

const NUMERIC: ReadonlySet<StdoutColumnType> = new Set(["BIGINT", "INT", "DOUBLE"]);

const pad2 = (n: number): string => String(n).padStart(2, "0");
const pad3 = (n: number): string => String(n).padStart(3, "0");

/**
 * Epoch ms as `yyyy-MM-dd HH:mm:ss.SSS` in UTC.
 * @example
 * formatTimestamp(0); // "1970-01-01 00:00:00.000"
 */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const year = d.getUTCFullYear();
  const y = year >= 0 && year <= 9999 ? String(year).padStart(4, "0") : String(year);
  return `${y}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}`;
}

/**
 * Milliseconds as a day-to-second interval, Flink style: `+D HH:mm:ss.SSS`.
 * @example
 * formatInterval(90_061_001); // "+1 01:01:01.001"
 */
export function formatInterval(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  let rest = Math.abs(Math.trunc(ms));
  const millis = rest % 1000;
  rest = Math.floor(rest / 1000);
  const seconds = rest % 60;
  rest = Math.floor(rest / 60);
  const minutes = rest % 60;
  rest = Math.floor(rest / 60);
  return `${sign}${Math.floor(rest / 24)} ${pad2(rest % 24)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(millis)}`;
}

/** A non-null value as text (table and CSV). */
function valueText(value: unknown, type: StdoutColumnType): string {
  if (type === "TIMESTAMP" && typeof value === "number") return formatTimestamp(value);
  if (type === "INTERVAL" && typeof value === "number") return formatInterval(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
}

/** A value as JSON: timestamps and intervals as their text, non-finite doubles as strings. */
function jsonValue(value: unknown, type: StdoutColumnType): unknown {
  if (value === null || value === undefined) return null;
  if (type === "TIMESTAMP" && typeof value === "number") return formatTimestamp(value);
  if (type === "INTERVAL" && typeof value === "number") return formatInterval(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

const opOf = (row: Readonly<Record<string, unknown>>): string => {
  const op = row[OP_COLUMN];
  return typeof op === "string" ? op : "+I";
};

// ---------------------------------------------------------------------------------------------------
// table

/** Column widths of a table: the op column (2), then one per result column. */
export function tableWidths(columns: readonly StdoutColumn[]): number[] {
  return [2, ...columns.map((c) => Math.max(c.name.length, TYPE_WIDTH[c.type], NULL_TEXT.length))];
}

/** Strings that would break a table row (newlines, tabs) shown escaped. */
const escapeControl = (s: string): string => s.replace(/[\r\n\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));

function cell(text: string, width: number, right: boolean): string {
  // Numbers are never cut (a rare wider one shifts its row rather than lose digits).
  if (text.length > width && !right) return `${text.slice(0, Math.max(0, width - 3))}...`;
  return right ? text.padStart(width) : text.padEnd(width);
}

const border = (widths: readonly number[]): string => `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;

/**
 * The lines above a table's rows: border, column names, border (each ending in a newline). Tableau
 * rows always carry the op column, as in Flink's SQL client in streaming mode, so `updating` does not
 * change the header; it is taken for symmetry with `formatCsvHeader`.
 * @example
 * process.stdout.write(formatTableHeader([{ name: "id", type: "BIGINT" }], false));
 * // +----+----------------------+
 * // | op |                   id |
 * // +----+----------------------+
 */
export function formatTableHeader(columns: readonly StdoutColumn[], _updating = false): string {
  const widths = tableWidths(columns);
  const names = [cell("op", 2, false), ...columns.map((c, i) => cell(c.name, widths[i + 1]!, NUMERIC.has(c.type)))];
  const line = border(widths);
  return `${line}\n| ${names.join(" | ")} |\n${line}\n`;
}

/** A row as one table line (no newline). */
export function formatTableRow(row: Readonly<Record<string, unknown>>, columns: readonly StdoutColumn[], widths: readonly number[] = tableWidths(columns)): string {
  const cells = [cell(opOf(row), 2, false)];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const value = row[c.name];
    const text = value === null || value === undefined ? NULL_TEXT : escapeControl(valueText(value, c.type));
    cells.push(cell(text, widths[i + 1]!, NUMERIC.has(c.type)));
  }
  return `| ${cells.join(" | ")} |`;
}

// ---------------------------------------------------------------------------------------------------
// JSON lines

/**
 * A row as one JSON object (no newline): the columns in order, `"op"` first when `updating`.
 * @example
 * formatJsonRow({ id: 1, ts: 0 }, [{ name: "id", type: "BIGINT" }, { name: "ts", type: "TIMESTAMP" }], false);
 * // {"id":1,"ts":"1970-01-01 00:00:00.000"}
 */
export function formatJsonRow(row: Readonly<Record<string, unknown>>, columns: readonly StdoutColumn[], updating: boolean): string {
  const out: Record<string, unknown> = {};
  if (updating) out.op = opOf(row);
  for (const c of columns) out[c.name] = jsonValue(row[c.name], c.type);
  return JSON.stringify(out);
}

// ---------------------------------------------------------------------------------------------------
// CSV

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, or is empty (so an empty
 * string `""` differs from NULL, which is an empty field).
 */
export function csvField(text: string | null): string {
  if (text === null) return "";
  if (text.length === 0 || /[",\r\n]/.test(text)) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

/**
 * The CSV header line (with its newline): the column names, `op` first when `updating`. Lines end in
 * LF, not RFC 4180's CRLF, as Unix tools expect.
 * @example
 * formatCsvHeader([{ name: "id", type: "BIGINT" }], true); // "op,id\n"
 */
export function formatCsvHeader(columns: readonly StdoutColumn[], updating: boolean): string {
  const names = columns.map((c) => csvField(c.name));
  return `${(updating ? ["op", ...names] : names).join(",")}\n`;
}

/** A row as one CSV record (no newline). A VARCHAR holding a newline is quoted, so it spans lines. */
export function formatCsvRow(row: Readonly<Record<string, unknown>>, columns: readonly StdoutColumn[], updating: boolean): string {
  const fields = updating ? [opOf(row)] : [];
  for (const c of columns) {
    const value = row[c.name];
    fields.push(csvField(value === null || value === undefined ? null : valueText(value, c.type)));
  }
  return fields.join(",");
}
