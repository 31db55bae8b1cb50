/**
 * @module state/serde
 * Value (de)serialization for the disk backends and value copying for the memory backend: numbers and
 * well-formed strings take a one-tag fast path (UTF-8), everything else (lone surrogates included) the structured-clone format of bun:jsc.
 */
import { deserialize, serialize } from "bun:jsc";
import type { ByteWriter } from "./byte-writer.ts";

const TAG_NUMBER = 1;
const TAG_STRING = 2;
const TAG_CLONE = 3;

/** Append the encoding of `value` to `out`. */
export function writeValue(out: ByteWriter, value: unknown): void {
  if (typeof value === "number") {
    out.u8(TAG_NUMBER);
    out.f64(value);
  } else if (typeof value === "string" && value.isWellFormed()) {
    out.u8(TAG_STRING);
    out.utf8(value);
  } else {
    out.u8(TAG_CLONE);
    out.bytes(serialize(value, { binaryType: "nodebuffer" }));
  }
}

/** Decode a value written by `writeValue` from `bytes[offset..end)`. */
export function readValue(bytes: Buffer, offset: number, end: number): unknown {
  const tag = bytes[offset];
  if (tag === TAG_NUMBER) return bytes.readDoubleLE(offset + 1);
  if (tag === TAG_STRING) return bytes.toString("utf8", offset + 1, end);
  if (tag === TAG_CLONE) return deserialize(bytes.subarray(offset + 1, end));
  throw new TypeError(`unknown state value tag ${tag} at byte ${offset}`);
}

/**
 * A deep copy of a structured-clone value; primitives are returned as they are (the common case costs
 * two typeofs). Functions and symbols throw, as structured clone would.
 */
export function copyValue<T>(value: T): T {
  if (typeof value === "object" && value !== null) return structuredClone(value);
  if (typeof value === "function" || typeof value === "symbol") throw new TypeError(`a ${typeof value} cannot be stored in state (not structured-clone data)`);
  return value;
}
