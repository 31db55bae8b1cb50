/**
 * @module state/disk/row-codec
 * The byte layout of state rows in the disk backends (one key-value store per keyed store):
 *
 *   row key   = stateId:u16be  key  [mapKey]          (mapKey only in map state: one row per map entry)
 *   key part  = tag:u8 payload                        (self-delimiting, so a key is a prefix of its map rows)
 *               1 undefined | 2 null | 3 false | 4 true | 5 number f64 | 6 string u32be+utf8 | 7 bigint u32be+ascii
 *               | 8 string u32be+utf16le (only for strings with lone surrogates, which UTF-8 cannot hold)
 *   row value = 0:u8 value  |  1:u8 writtenAtMs:f64 value      (see serde.ts for `value`)
 *
 * Keys are *normalized* keys (composite keys are already strings). The key group is not part of the
 * row key: snapshots compute it from the original key, so lookups never depend on it.
 */
import type { ByteWriter } from "../byte-writer.ts";
import { StateError } from "../errors.ts";
import { readValue, writeValue } from "../serde.ts";

const K_UNDEFINED = 1;
const K_NULL = 2;
const K_FALSE = 3;
const K_TRUE = 4;
const K_NUMBER = 5;
const K_STRING = 6;
const K_BIGINT = 7;
/** A string that is not well-formed UTF-16 (a lone surrogate): UTF-8 would replace it, so store UTF-16LE. */
const K_STRING16 = 8;

/** Append a normalized key (or normalized map key). */
export function writeKeyPart(out: ByteWriter, key: unknown): void {
  switch (typeof key) {
    case "string":
      if (key.isWellFormed()) {
        out.u8(K_STRING);
        out.utf8Prefixed(key);
      } else {
        const raw = Buffer.from(key, "utf16le");
        out.u8(K_STRING16);
        out.u32(raw.byteLength);
        out.bytes(raw);
      }
      return;
    case "number":
      out.u8(K_NUMBER);
      out.f64(key === 0 ? 0 : key); // -0 and 0 are one Map key, so one row
      return;
    case "boolean":
      out.u8(key ? K_TRUE : K_FALSE);
      return;
    case "undefined":
      out.u8(K_UNDEFINED);
      return;
    case "bigint":
      out.u8(K_BIGINT);
      out.utf8Prefixed(key.toString());
      return;
    default:
      if (key === null) {
        out.u8(K_NULL);
        return;
      }
      throw new TypeError(`a state key must be a primitive or a JSON-able array/object, got ${typeof key}`);
  }
}

/** Decode a key part at `offset`: the key and the offset after it. */
export function readKeyPart(bytes: Buffer, offset: number): [key: unknown, next: number] {
  const tag = bytes[offset];
  switch (tag) {
    case K_STRING: {
      const n = bytes.readUInt32BE(offset + 1);
      return [bytes.toString("utf8", offset + 5, offset + 5 + n), offset + 5 + n];
    }
    case K_STRING16: {
      const n = bytes.readUInt32BE(offset + 1);
      return [bytes.toString("utf16le", offset + 5, offset + 5 + n), offset + 5 + n];
    }
    case K_NUMBER:
      return [bytes.readDoubleLE(offset + 1), offset + 9];
    case K_TRUE:
      return [true, offset + 1];
    case K_FALSE:
      return [false, offset + 1];
    case K_UNDEFINED:
      return [undefined, offset + 1];
    case K_NULL:
      return [null, offset + 1];
    case K_BIGINT: {
      const n = bytes.readUInt32BE(offset + 1);
      return [BigInt(bytes.toString("latin1", offset + 5, offset + 5 + n)), offset + 5 + n];
    }
    default:
      throw new StateError(`corrupt state row key: unknown key tag ${tag} at byte ${offset}`);
  }
}

/** Append the row key of (state, key), which is also the prefix of every map row of that key. */
export function writeRowKey(out: ByteWriter, stateId: number, key: unknown): void {
  out.u16(stateId);
  writeKeyPart(out, key);
}

/** Append a row value: write time (NaN when none) and the value. */
export function writeRowValue(out: ByteWriter, value: unknown, writtenAtMs: number): void {
  if (Number.isNaN(writtenAtMs)) {
    out.u8(0);
  } else {
    out.u8(1);
    out.f64(writtenAtMs);
  }
  writeValue(out, value);
}

/** The write time of a row value (NaN when none). */
export function rowWrittenAt(bytes: Buffer): number {
  return bytes[0] === 1 ? bytes.readDoubleLE(1) : Number.NaN;
}

export function rowValue(bytes: Buffer): unknown {
  return readValue(bytes, bytes[0] === 1 ? 9 : 1, bytes.length);
}

/** The smallest byte string greater than every string that starts with `prefix`, or null if none. */
export function prefixEnd(prefix: Uint8Array): Buffer | null {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const b = end[i]!;
    if (b < 0xff) {
      end[i] = b + 1;
      return end.subarray(0, i + 1);
    }
  }
  return null;
}
