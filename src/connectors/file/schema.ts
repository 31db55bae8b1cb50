/**
 * @module connectors/file/schema
 * Schema inference for CSV / JSON-lines input (`bicycle sql --input`, stdin tables, `env.fromFile` with
 * `schema: "infer"`), and coercion of records to the inferred or declared types. Exported for the SQL
 * layer. Value representation: BIGINT and DOUBLE are JS numbers, BOOLEAN a boolean, VARCHAR a string,
 * TIMESTAMP(3) epoch milliseconds (a number), null for a missing or empty value.
 *
 * Inference, per column over the sample: an ISO-8601 date-time string -> TIMESTAMP(3); integers ->
 * BIGINT; any fractional number -> DOUBLE; true/false -> BOOLEAN; anything else -> VARCHAR. Nulls and
 * empty CSV fields do not vote; a column with only nulls is VARCHAR. A number in a column named like a
 * time attribute (ts, time, timestamp, event_time, *_ts, *_time, *At) stays BIGINT and is documented to
 * be epoch milliseconds: declare it the time attribute (watermark) and it is used as such, unchanged.
 */

export const COLUMN_TYPES = ["BIGINT", "DOUBLE", "BOOLEAN", "VARCHAR", "TIMESTAMP(3)"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
/** Column name -> type, in column order. */
export type RecordSchema = Readonly<Record<string, ColumnType>>;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIME_NAME = /^(ts|time|timestamp|rowtime|event_?time|date_?time)$|(_ts|_time|_timestamp|At)$/i;

/** Whether `name` looks like a time attribute (numbers in it are epoch milliseconds). */
export const isTimeAttributeName = (name: string): boolean => TIME_NAME.test(name);

/** Epoch ms of an ISO-8601 string (no zone = UTC), or NaN. */
export function parseIsoTimestamp(text: string): number {
  if (!ISO_8601.test(text)) return Number.NaN;
  let s = text.replace(" ", "T");
  if (s.length === 10) s += "T00:00:00";
  if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(s.slice(10))) s += "Z";
  return Date.parse(s);
}

type Vote = "int" | "double" | "bool" | "timestamp" | "string";

function voteOf(value: unknown): Vote | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "double";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value !== "string") return "string";
  const t = value.trim();
  if (INTEGER.test(t)) return Number.isSafeInteger(Number(t)) ? "int" : "double";
  if (DECIMAL.test(t)) return "double";
  if (t === "true" || t === "false" || t === "TRUE" || t === "FALSE") return "bool";
  if (!Number.isNaN(parseIsoTimestamp(t))) return "timestamp";
  return "string";
}

/**
 * Infer a schema from sample records (objects; CSV fields as strings, JSON values as parsed). Column
 * order is first appearance.
 * @example
 * inferSchema([{ id: "1", price: "2.5", ts: "2024-01-01T00:00:00Z" }]); // { id: BIGINT, price: DOUBLE, ts: TIMESTAMP(3) }
 */
export function inferSchema(sampleRecords: readonly Readonly<Record<string, unknown>>[]): RecordSchema {
  const votes = new Map<string, Set<Vote>>();
  for (const record of sampleRecords) {
    for (const [column, value] of Object.entries(record)) {
      let set = votes.get(column);
      if (set === undefined) votes.set(column, (set = new Set()));
      const v = voteOf(value);
      if (v !== null) set.add(v);
    }
  }
  const schema: Record<string, ColumnType> = {};
  for (const [column, set] of votes) {
    let type: ColumnType;
    if (set.size === 0 || set.has("string")) type = "VARCHAR";
    else if (set.size === 1 && set.has("timestamp")) type = "TIMESTAMP(3)";
    else if (set.size === 1 && set.has("bool")) type = "BOOLEAN";
    else if (set.size === 1 && set.has("int")) type = "BIGINT";
    else if ([...set].every((v) => v === "int" || v === "double")) type = "DOUBLE";
    else type = "VARCHAR";
    schema[column] = type;
  }
  return schema;
}

/** Thrown by `coerce` for a value that does not fit its column's type. */
export class CoercionError extends Error {}

function coerceValue(column: string, value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  if (value === "" && type !== "VARCHAR") return null;
  switch (type) {
    case "VARCHAR":
      return typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    case "BIGINT": {
      const n = typeof value === "number" ? value : typeof value === "string" && INTEGER.test(value.trim()) ? Number(value) : Number.NaN;
      if (!Number.isInteger(n)) throw new CoercionError(`column '${column}': ${JSON.stringify(value)} is not a BIGINT`);
      return n;
    }
    case "DOUBLE": {
      const n = typeof value === "number" ? value : typeof value === "string" && DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
      if (Number.isNaN(n)) throw new CoercionError(`column '${column}': ${JSON.stringify(value)} is not a DOUBLE`);
      return n;
    }
    case "BOOLEAN": {
      if (typeof value === "boolean") return value;
      const t = typeof value === "string" ? value.trim().toLowerCase() : "";
      if (t === "true") return true;
      if (t === "false") return false;
      throw new CoercionError(`column '${column}': ${JSON.stringify(value)} is not a BOOLEAN`);
    }
    case "TIMESTAMP(3)": {
      // A number is epoch milliseconds; a string is ISO-8601 (or a string of epoch ms).
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "string") {
        const t = value.trim();
        const ms = INTEGER.test(t) ? Number(t) : parseIsoTimestamp(t);
        if (!Number.isNaN(ms)) return ms;
      }
      throw new CoercionError(`column '${column}': ${JSON.stringify(value)} is not a TIMESTAMP (ISO-8601 or epoch milliseconds)`);
    }
  }
}

/**
 * The record with every schema column converted to its type (CSV strings into numbers, booleans,
 * epoch-ms timestamps); columns outside the schema are dropped, missing ones are null. Throws
 * CoercionError naming the column and value.
 * @example
 * coerce({ id: "7", ok: "true" }, { id: "BIGINT", ok: "BOOLEAN" }); // { id: 7, ok: true }
 */
export function coerce(record: Readonly<Record<string, unknown>>, schema: RecordSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column in schema) out[column] = coerceValue(column, record[column], schema[column]!);
  return out;
}

/** Validate a schema given as plain data (plan config): names every bad column type. */
export function parseRecordSchema(value: unknown, what: string): RecordSchema {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`${what}: schema must be an object of column -> type`);
  for (const [column, type] of Object.entries(value)) {
    if (!(COLUMN_TYPES as readonly unknown[]).includes(type)) {
      throw new Error(`${what}: column '${column}' has type ${JSON.stringify(type)}; expected one of ${COLUMN_TYPES.join(", ")}`);
    }
  }
  return value as RecordSchema;
}
