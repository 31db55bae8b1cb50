/** Tests of key-group hashing and assignment: stable, total, and ranges inverse to routing. */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { denormalizeKey, normalizeKey, hashKey, keyGroupOf, keyGroupRangeFor, subtaskForKey, subtaskForKeyGroup, murmurString } from "./key-groups.ts";

describe("key groups", () => {
  test("hashes are stable across calls and equal keys hash equally", () => {
    expect(murmurString("hello")).toBe(murmurString("hello"));
    expect(hashKey(["a", 1])).toBe(hashKey(["a", 1]));
    expect(hashKey(42)).not.toBe(hashKey("42"));
    // Known value pins the function so workers in different processes agree forever.
    expect(murmurString("")).toBe(0);
  });

  test("every key group belongs to exactly the subtask whose range holds it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 512 }), (parallelism, maxParallelism) => {
        const seen = new Array<number>(maxParallelism).fill(0);
        for (let s = 0; s < parallelism; s++) {
          const { start, end } = keyGroupRangeFor(s, parallelism, maxParallelism);
          for (let g = start; g <= end; g++) {
            seen[g]!++;
            expect(subtaskForKeyGroup(g, parallelism, maxParallelism)).toBe(s);
          }
        }
        expect(seen.every((n) => n === 1)).toBe(true);
      }),
    );
  });

  test("normalized keys round-trip and never collide, also for strings starting with NUL", () => {
    const keys: unknown[] = ["a", 1, ["a"], { x: 1 }, "\u0000abc", '\u0000["a"]', "\u0000\u0000", null, true];
    const normalized = keys.map(normalizeKey);
    expect(new Set(normalized).size).toBe(keys.length);
    expect(normalized.map(denormalizeKey)).toEqual(keys);
  });

  test("keys spread over all subtasks", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[subtaskForKey(`key-${i}`, 4, 128)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(1500);
    for (let i = 0; i < 1000; i++) expect(keyGroupOf(i, 128)).toBeLessThan(128);
  });
});
