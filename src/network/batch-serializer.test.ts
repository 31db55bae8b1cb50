// Round-trip and robustness tests of the batch serializer.
import { describe, expect, test } from "bun:test";
import { NO_TIMESTAMP, type RecordBatch } from "../core/index.ts";
import { decodeBatch, serializeBatch } from "./batch-serializer.ts";
import { NetworkError } from "./errors.ts";

function roundTrip(batch: RecordBatch<unknown>): RecordBatch<unknown> {
  return decodeBatch(serializeBatch(batch));
}

describe("batch serializer", () => {
  test("empty batch", () => {
    expect(roundTrip({ values: [], timestamps: [] })).toEqual({ values: [], timestamps: [] });
  });

  test("numbers keep NaN, infinities and -0; NO_TIMESTAMP survives", () => {
    const values = [1, -0, Number.NaN, Infinity, -Infinity, 1.5e300, Number.MIN_VALUE];
    const timestamps = values.map(() => NO_TIMESTAMP);
    const back = roundTrip({ values, timestamps });
    expect(back.values.length).toBe(values.length);
    values.forEach((v, i) => expect(Object.is(back.values[i], v)).toBe(true));
    expect(back.timestamps.every((t) => t === NO_TIMESTAMP)).toBe(true);
  });

  test("uniform timestamps are sent once", () => {
    const values = Array.from({ length: 1024 }, (_, i) => i);
    const uniform = serializeBatch({ values, timestamps: values.map(() => 5) });
    const varied = serializeBatch({ values, timestamps: values.map((i) => i) });
    expect(uniform.length).toBeLessThan(varied.length - 1024 * 8 + 16);
    expect(decodeBatch(varied).timestamps).toEqual(values);
  });

  test("unicode strings, including empty ones and astral characters", () => {
    const values = ["", "plain", "héllo wörld", "日本語", "emoji 🚲🚲", "", "a\u0000b", "\u{10ffff}"];
    const timestamps = values.map((_, i) => (i % 2 === 0 ? NO_TIMESTAMP : 1_700_000_000_000 + i));
    expect(roundTrip({ values, timestamps })).toEqual({ values, timestamps });
  });

  test("nested objects, nulls and mixed arrays take the general path", () => {
    const values: unknown[] = [{ id: 1, user: { name: "Ünï", tags: ["a", "b"] } }, null, [1, "x", true], "str", 3, { deep: { deeper: { deepest: [] } } }];
    const timestamps = values.map((_, i) => i * 1000);
    expect(roundTrip({ values, timestamps })).toEqual({ values, timestamps });
  });

  test("BigInt values fall back to structured clone", () => {
    const values = [{ n: 12345678901234567890n }, { n: 1n }];
    expect(roundTrip({ values, timestamps: [1, 2] })).toEqual({ values, timestamps: [1, 2] });
  });

  test("a values/timestamps length mismatch is rejected at encode", () => {
    expect(() => serializeBatch({ values: [1, 2], timestamps: [1] })).toThrow(NetworkError);
  });

  test("truncated payloads throw NetworkError", () => {
    const bytes = serializeBatch({ values: ["a", "bc", { x: 1 }], timestamps: [1, 2, 3] });
    for (let n = 0; n < bytes.length; n++) expect(() => decodeBatch(bytes.subarray(0, n))).toThrow(NetworkError);
  });

  test("random bytes throw NetworkError, never anything else", () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const samples = [
      serializeBatch({ values: [1, 2, 3], timestamps: [1, 2, 3] }),
      serializeBatch({ values: ["x", "yy"], timestamps: [1, 1] }),
      serializeBatch({ values: [{ a: 1 }], timestamps: [1] }),
    ];
    let decoded = 0;
    for (let i = 0; i < 20_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = new Uint8Array(Math.floor(rand() * 64));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      } else {
        // Mutate a valid payload: flip a few bytes.
        bytes = samples[i % samples.length]!.slice();
        for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      }
      try {
        decodeBatch(bytes);
        decoded++;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
      }
    }
    expect(decoded).toBeLessThan(20_000);
  });
});

describe("batch serializer: records of one shape go column by column", () => {
  const ts = (n: number) => Array.from({ length: n }, (_, i) => i);
  /** The value mode byte: after u32 count, u8 ts mode and its timestamps. */
  const modeOf = (bytes: Uint8Array, count: number): number => bytes[4 + 1 + (bytes[4] === 0 ? 8 : count * 8)]!;

  test("flat objects of numbers, strings and booleans round-trip exactly, with one key order", () => {
    const values = [
      { key: 1, name: "ann", ok: true, price: -0 },
      { key: 2, name: "bö😀b", ok: false, price: Number.NaN },
      { key: 3, name: "", ok: true, price: 1e300 },
    ];
    const bytes = serializeBatch({ values, timestamps: ts(3) });
    expect(modeOf(bytes, 3)).toBe(4);
    const back = decodeBatch(bytes).values as typeof values;
    expect(back.map((v) => Object.keys(v))).toEqual(values.map(() => ["key", "name", "ok", "price"]));
    expect(back[0]!.name).toBe("ann");
    expect(back[1]!.name).toBe("bö😀b");
    expect(Object.is(back[0]!.price, -0)).toBe(true);
    expect(Number.isNaN(back[1]!.price)).toBe(true);
    expect(back.map((v) => v.ok)).toEqual([true, false, true]);
    expect(Object.getPrototypeOf(back[2])).toBe(Object.prototype);
  });

  test("anything else falls back to JSON: other shapes, key orders, extra keys, nesting, classes, __proto__", () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const cases: unknown[][] = [
      [{ a: 1 }, { b: 1 }],
      [{ a: 1, b: 2 }, { b: 2, a: 1 }],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: 1 }, { a: "x" }],
      [{ a: { b: 1 } }],
      [{ a: null }],
      [new Point(1)],
      [JSON.parse('{"__proto__": 1}')],
    ];
    for (const values of cases) {
      const bytes = serializeBatch({ values, timestamps: ts(values.length) });
      expect(modeOf(bytes, values.length)).toBe(2);
      expect(decodeBatch(bytes).values).toEqual(JSON.parse(JSON.stringify(values)));
    }
  });

  test("malformed record blocks fail with BATCH_MALFORMED, never a crash", () => {
    const good = serializeBatch({ values: [{ a: 1, b: "x" }], timestamps: [0] });
    const at = 4 + 1 + 8 + 1; // count, ts mode, uniform ts, value mode
    const names = (json: string): Uint8Array => {
      const body = new TextEncoder().encode(json);
      const out = new Uint8Array(at + 4 + body.length + 9);
      out.set(good.subarray(0, at));
      new DataView(out.buffer).setUint32(at, body.length, true);
      out.set(body, at + 4);
      out[at + 4 + body.length] = 0; // one number column
      return out;
    };
    for (const bad of [names("[1]"), names('["a","a"]'), names('["__proto__"]'), names("nope"), names("[]"), good.subarray(0, good.length - 1)]) {
      expect(() => decodeBatch(bad)).toThrow(NetworkError);
    }
    const badColumn = good.slice();
    badColumn[at + 4 + '["a","b"]'.length] = 9;
    expect(() => decodeBatch(badColumn)).toThrow(/unknown column type 9/);
  });
});
