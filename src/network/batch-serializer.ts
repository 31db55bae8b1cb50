/**
 * @module network/batch-serializer
 * Compact binary encoding of a RecordBatch (values + timestamps) for DATA frames: one encode per batch,
 * never one JSON document per record.
 *
 *   u32 count | u8 timestampMode | timestamps | u8 valueMode | values
 *   timestampMode 0 UNIFORM: one f64 shared by every record (e.g. all NO_TIMESTAMP)
 *                 1 BLOCK:   count × f64
 *   valueMode     0 NUMBERS: count × f64            (NaN, ±Infinity and -0 survive)
 *                 1 STRINGS: count × u32 UTF-16 lengths | u32 byteLength | UTF-8 of all strings joined
 *                 2 JSON:    UTF-8 JSON of the values array (JSON semantics: undefined -> null, Date -> string)
 *                 3 JSC:     bun:jsc structured clone, used when JSON cannot encode the values (BigInt)
 *                 4 RECORDS: flat objects of one shape, column by column: u32 byteLength | UTF-8 JSON array of
 *                            the field names | per field: u8 column type (0 f64 block, 1 strings as in
 *                            STRINGS, 2 booleans as count × u8) and its column. Chosen when every value is
 *                            a plain object with the same own keys (in the same order) holding numbers,
 *                            strings or booleans of the same type per key; typical records ({key, ts, price})
 *                            then cost a few typed-array writes instead of JSON text. Decoding builds each
 *                            object with a per-shape compiled constructor, so all get one hidden class.
 * All numbers little-endian. Decoding validates every length against the payload and throws NetworkError.
 * Caveat: a lone UTF-16 surrogate in a string becomes U+FFFD (UTF-8 cannot carry it).
 */
import { deserialize, serialize } from "bun:jsc";
import type { RecordBatch } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { WriteBuffer } from "./write-buffer.ts";

const TS_UNIFORM = 0;
const TS_BLOCK = 1;
const VALUES_NUMBERS = 0;
const VALUES_STRINGS = 1;
const VALUES_JSON = 2;
const VALUES_JSC = 3;
const VALUES_RECORDS = 4;
const COLUMN_NUMBER = 0;
const COLUMN_STRING = 1;
const COLUMN_BOOLEAN = 2;
/** Records with more fields than this go as JSON (the per-shape constructor stays small). */
const MAX_RECORD_FIELDS = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Append the encoding of `batch` to `out`. Throws NetworkError (BATCH_UNSERIALIZABLE) for values the format cannot carry. */
export function encodeBatch(batch: RecordBatch<unknown>, out: WriteBuffer): void {
  const { values, timestamps } = batch;
  const count = values.length;
  if (timestamps.length !== count) {
    throw new NetworkError(`batch has ${count} values but ${timestamps.length} timestamps`, "BATCH_UNSERIALIZABLE");
  }
  out.u32(count);
  encodeTimestamps(timestamps, out);
  encodeValues(values, out);
}

/** `encodeBatch` into a fresh byte array. */
export function serializeBatch(batch: RecordBatch<unknown>): Uint8Array {
  const out = new WriteBuffer(1024);
  encodeBatch(batch, out);
  return out.toBytes();
}

function encodeTimestamps(timestamps: readonly number[], out: WriteBuffer): void {
  const first = timestamps[0];
  let uniform = true;
  // Object.is, so that -0 vs 0 and NaN round-trip exactly.
  for (let i = 1; i < timestamps.length; i++) if (!Object.is(timestamps[i], first)) { uniform = false; break; }
  if (uniform) {
    out.u8(TS_UNIFORM);
    out.f64(first ?? 0);
  } else {
    out.u8(TS_BLOCK);
    out.f64Block(timestamps);
  }
}

function valueModeOf(values: readonly unknown[]): number {
  if (values.length === 0) return VALUES_NUMBERS;
  const kind = typeof values[0];
  if (kind !== "number" && kind !== "string") return VALUES_JSON;
  for (let i = 1; i < values.length; i++) if (typeof values[i] !== kind) return VALUES_JSON;
  return kind === "number" ? VALUES_NUMBERS : VALUES_STRINGS;
}

function encodeStrings(strings: readonly string[], out: WriteBuffer): void {
  out.ensure(strings.length * 4);
  for (const s of strings) out.u32(s.length);
  const joined = strings.join("");
  out.ensure(4 + joined.length * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
  const lengthAt = out.mark();
  out.u32(0);
  const { written } = encoder.encodeInto(joined, out.bytes.subarray(out.end));
  out.end += written;
  out.view.setUint32(out.offsetOf(lengthAt), written, true);
}

type ColumnType = typeof COLUMN_NUMBER | typeof COLUMN_STRING | typeof COLUMN_BOOLEAN;

/** The shared shape of `values` if they are flat plain objects of one shape (see RECORDS), else null. */
function recordShapeOf(values: readonly unknown[]): { keys: string[]; types: ColumnType[] } | null {
  const first = values[0];
  if (typeof first !== "object" || first === null || Object.getPrototypeOf(first) !== Object.prototype) return null;
  const keys = Object.keys(first);
  if (keys.length === 0 || keys.length > MAX_RECORD_FIELDS || keys.includes("__proto__")) return null;
  const types: ColumnType[] = [];
  for (const k of keys) {
    const t = typeof (first as Record<string, unknown>)[k];
    if (t === "number") types.push(COLUMN_NUMBER);
    else if (t === "string") types.push(COLUMN_STRING);
    else if (t === "boolean") types.push(COLUMN_BOOLEAN);
    else return null;
  }
  const expected = types.map((t) => (t === COLUMN_NUMBER ? "number" : t === COLUMN_STRING ? "string" : "boolean"));
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as Record<string, unknown>;
    if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return null;
    let own = 0;
    for (const k in v) {
      if (k !== keys[own]) return null; // another key, or another order
      own++;
    }
    if (own !== keys.length) return null;
    for (let j = 0; j < keys.length; j++) if (typeof v[keys[j]!] !== expected[j]) return null;
  }
  return { keys, types };
}

function encodeRecords(values: readonly unknown[], shape: { keys: string[]; types: ColumnType[] }, out: WriteBuffer): void {
  out.u8(VALUES_RECORDS);
  const names = JSON.stringify(shape.keys);
  out.ensure(4 + names.length * 3);
  const lengthAt = out.mark();
  out.u32(0);
  const { written } = encoder.encodeInto(names, out.bytes.subarray(out.end));
  out.end += written;
  out.view.setUint32(out.offsetOf(lengthAt), written, true);
  const count = values.length;
  const records = values as readonly Record<string, unknown>[];
  for (let j = 0; j < shape.keys.length; j++) {
    const key = shape.keys[j]!;
    const type = shape.types[j]!;
    out.u8(type);
    if (type === COLUMN_NUMBER) {
      out.ensure(count * 8);
      const view = out.view;
      let at = out.end;
      for (let i = 0; i < count; i++, at += 8) view.setFloat64(at, records[i]![key] as number, true);
      out.end = at;
    } else if (type === COLUMN_STRING) {
      const column = new Array<string>(count);
      for (let i = 0; i < count; i++) column[i] = records[i]![key] as string;
      encodeStrings(column, out);
    } else {
      out.ensure(count);
      for (let i = 0; i < count; i++) out.u8(records[i]![key] ? 1 : 0);
    }
  }
}

function encodeValues(values: readonly unknown[], out: WriteBuffer): void {
  const mode = valueModeOf(values);
  if (mode === VALUES_NUMBERS) {
    out.u8(VALUES_NUMBERS);
    out.f64Block(values as readonly number[]);
  } else if (mode === VALUES_STRINGS) {
    out.u8(VALUES_STRINGS);
    encodeStrings(values as readonly string[], out);
  } else {
    const shape = recordShapeOf(values);
    if (shape !== null) {
      encodeRecords(values, shape, out);
      return;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(values);
    } catch {
      json = undefined; // e.g. BigInt: fall back to the structured clone below
    }
    if (json !== undefined) {
      out.u8(VALUES_JSON);
      out.ensure(json.length * 3);
      const { written } = encoder.encodeInto(json, out.bytes.subarray(out.end));
      out.end += written;
      return;
    }
    let cloned: Uint8Array;
    try {
      cloned = serialize(values, { binaryType: "nodebuffer" });
    } catch (cause) {
      throw new NetworkError(`batch of ${values.length} values cannot be serialized: ${String(cause)}`, "BATCH_UNSERIALIZABLE", cause);
    }
    out.u8(VALUES_JSC);
    out.raw(cloned);
  }
}

/** Reads a payload, throwing NetworkError (BATCH_MALFORMED) on any inconsistency. */
class Reader {
  at = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.at + n > this.bytes.length) {
      throw new NetworkError(`malformed batch: ${what} needs ${n} bytes at offset ${this.at} but the payload has ${this.bytes.length}`, "BATCH_MALFORMED");
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.at++]!;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  f64Block(count: number, what: string): number[] {
    this.need(count * 8, what);
    const out = new Array<number>(count);
    const view = this.view;
    let at = this.at;
    for (let i = 0; i < count; i++, at += 8) out[i] = view.getFloat64(at, true);
    this.at = at;
    return out;
  }
  rest(): Uint8Array {
    const r = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return r;
  }
}

function malformed(message: string, cause?: unknown): NetworkError {
  return new NetworkError(`malformed batch: ${message}`, "BATCH_MALFORMED", cause);
}

/** Decode a payload written by `encodeBatch`. The result never aliases `bytes`. */
export function decodeBatch(bytes: Uint8Array): RecordBatch<unknown> {
  const r = new Reader(bytes);
  const count = r.u32("record count");
  const tsMode = r.u8("timestamp mode");
  let timestamps: number[];
  if (tsMode === TS_UNIFORM) {
    const ts = r.f64("uniform timestamp");
    // Validate the values before allocating `count` timestamps: a garbage count must not allocate gigabytes.
    const values = decodeValues(r, count);
    timestamps = new Array<number>(count).fill(ts);
    return { values, timestamps };
  }
  if (tsMode !== TS_BLOCK) throw malformed(`unknown timestamp mode ${tsMode}`);
  timestamps = r.f64Block(count, "timestamp block");
  return { values: decodeValues(r, count), timestamps };
}

function decodeValues(r: Reader, count: number): unknown[] {
  const mode = r.u8("value mode");
  let values: unknown[];
  switch (mode) {
    case VALUES_NUMBERS:
      values = r.f64Block(count, "number block");
      break;
    case VALUES_STRINGS:
      values = readStrings(r, count);
      break;
    case VALUES_RECORDS:
      values = readRecords(r, count);
      break;
    case VALUES_JSON: {
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(r.rest()));
      } catch (cause) {
        throw malformed("JSON value block does not parse", cause);
      }
      if (!Array.isArray(parsed)) throw malformed("JSON value block is not an array");
      values = parsed;
      break;
    }
    case VALUES_JSC: {
      let parsed: unknown;
      try {
        // Copy: deserialize wants its own buffer, and the payload may view a socket chunk.
        parsed = deserialize(r.rest().slice());
      } catch (cause) {
        throw malformed("structured-clone value block does not deserialize", cause);
      }
      if (!Array.isArray(parsed)) throw malformed("structured-clone value block is not an array");
      values = parsed;
      break;
    }
    default:
      throw malformed(`unknown value mode ${mode}`);
  }
  if (values.length !== count) throw malformed(`header says ${count} records, value block holds ${values.length}`);
  if (r.at !== r.bytes.length) throw malformed(`${r.bytes.length - r.at} trailing bytes`);
  return values;
}

function readStrings(r: Reader, count: number): string[] {
  r.need(count * 4, "string lengths");
  const lengths = new Array<number>(count);
  for (let i = 0; i < count; i++) lengths[i] = r.u32("string length");
  const byteLength = r.u32("string bytes length");
  r.need(byteLength, "string bytes");
  let joined: string;
  try {
    joined = decoder.decode(r.bytes.subarray(r.at, r.at + byteLength));
  } catch (cause) {
    throw malformed("string block is not valid UTF-8", cause);
  }
  r.at += byteLength;
  const values = new Array<string>(count);
  let from = 0;
  for (let i = 0; i < count; i++) {
    const to = from + lengths[i]!;
    if (to > joined.length) throw malformed(`string lengths exceed the ${joined.length} decoded characters`);
    values[i] = joined.slice(from, to);
    from = to;
  }
  if (from !== joined.length) throw malformed(`string lengths cover ${from} of ${joined.length} characters`);
  return values;
}

type RecordFactory = (columns: readonly unknown[][], i: number) => Record<string, unknown>;
const factories = new Map<string, RecordFactory>();

/**
 * A compiled `(columns, i) => ({ k0: columns[0][i], ... })` for one shape: objects built by one object
 * literal share a hidden class. Field names enter the code only as JSON string literals (no code can be
 * injected through them), and `__proto__` is refused, so a literal can never set a prototype.
 */
function recordFactory(namesJson: string, keys: readonly string[]): RecordFactory {
  let factory = factories.get(namesJson);
  if (factory === undefined) {
    const fields = keys.map((k, j) => `${JSON.stringify(k)}: c[${j}][i]`).join(", ");
    factory = new Function("c", "i", `return { ${fields} };`) as RecordFactory;
    if (factories.size < 1024) factories.set(namesJson, factory);
  }
  return factory;
}

function readRecords(r: Reader, count: number): unknown[] {
  const namesLength = r.u32("field names length");
  r.need(namesLength, "field names");
  let keys: unknown;
  const namesJson = (() => {
    try {
      return decoder.decode(r.bytes.subarray(r.at, r.at + namesLength));
    } catch (cause) {
      throw malformed("field names are not valid UTF-8", cause);
    }
  })();
  try {
    keys = JSON.parse(namesJson);
  } catch (cause) {
    throw malformed("field names do not parse", cause);
  }
  r.at += namesLength;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_RECORD_FIELDS || !keys.every((k) => typeof k === "string") || keys.includes("__proto__") || new Set(keys).size !== keys.length) {
    throw malformed(`bad record field names ${namesJson.slice(0, 100)}`);
  }
  const columns: unknown[][] = [];
  for (let j = 0; j < keys.length; j++) {
    const type = r.u8("column type");
    if (type === COLUMN_NUMBER) columns.push(r.f64Block(count, "number column"));
    else if (type === COLUMN_STRING) columns.push(readStrings(r, count));
    else if (type === COLUMN_BOOLEAN) {
      r.need(count, "boolean column");
      const column = new Array<boolean>(count);
      for (let i = 0; i < count; i++) column[i] = r.bytes[r.at + i] !== 0;
      r.at += count;
      columns.push(column);
    } else throw malformed(`unknown column type ${type}`);
  }
  const make = recordFactory(namesJson, keys as string[]);
  const values = new Array<unknown>(count);
  for (let i = 0; i < count; i++) values[i] = make(columns, i);
  return values;
}
