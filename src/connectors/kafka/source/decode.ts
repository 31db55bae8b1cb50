/**
 * @module connectors/kafka/source/decode
 * Decoding of Kafka keys and values by format (`raw` bytes, `string` UTF-8, `json` optionally checked
 * by a zod schema). A failure is returned (not thrown) with a reason, so the source can apply its
 * bad-record policy; a null value (a tombstone) decodes to null in every format.
 */
import type { KafkaFormat } from "./options.ts";

/** The part of a zod schema the source uses (any zod 4 schema fits). */
export interface ValueSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** A decoder: bytes -> value, or a string saying why it could not decode them. */
export type Decoder = (bytes: Uint8Array | null) => { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Build the decoder of `format`, validating JSON with `schema` when given. */
export function createDecoder(format: KafkaFormat, schema?: ValueSchema<unknown>): Decoder {
  if (format === "raw") return (bytes) => ({ ok: true, value: bytes });
  if (format === "string") {
    return (bytes) => {
      if (bytes === null) return { ok: true, value: null };
      const s = text(bytes);
      return s === null ? { ok: false, reason: "not valid UTF-8" } : { ok: true, value: s };
    };
  }
  return (bytes) => {
    let parsed: unknown = null;
    if (bytes !== null) {
      const s = text(bytes);
      if (s === null) return { ok: false, reason: "not valid UTF-8" };
      try {
        parsed = JSON.parse(s);
      } catch (error) {
        return { ok: false, reason: `malformed JSON (${(error as Error).message})` };
      }
    }
    if (schema === undefined) return { ok: true, value: parsed };
    const checked = schema.safeParse(parsed);
    if (checked.success) return { ok: true, value: checked.data };
    const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.map(String).join(".") : "(root)"}: ${i.message}`);
    return { ok: false, reason: `does not match the schema (${issues.join("; ")})` };
  };
}
