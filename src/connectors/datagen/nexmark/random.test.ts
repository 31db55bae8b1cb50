/**
 * The random stream against a BigInt reference of its specification (so the documented algorithm,
 * not the float tricks of the implementation, is what is pinned), plus golden draws for the Java twin.
 */
import { expect, test } from "bun:test";
import { EventRandom, fmix32 } from "./random.ts";

const M32 = (1n << 32n) - 1n;
function refFmix(h: bigint): bigint {
  h &= M32;
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & M32;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & M32;
  h ^= h >> 16n;
  return h;
}
function refStream(seed: number, index: bigint, draws: number, bound: bigint): bigint[] {
  const s = BigInt(seed) & M32;
  const seedA = refFmix(s ^ 0x243f6a88n);
  const seedB = refFmix(s ^ 0x85a308d3n);
  const lo = index & M32;
  const hi = (index >> 32n) & M32;
  const a = refFmix(lo ^ refFmix(hi ^ seedA));
  const b = refFmix(a ^ seedB);
  const out: bigint[] = [];
  for (let k = 1n; k <= BigInt(draws); k++) {
    const r = refFmix(((a + k * 0x9e3779b9n) & M32) ^ b);
    out.push((r * bound) >> 32n);
  }
  return out;
}

test("fmix32 and nextInt follow the specification exactly, small and large bounds", () => {
  for (const h of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 123456789]) expect(fmix32(h)).toBe(Number(refFmix(BigInt(h))));
  const bounds = [1, 2, 3, 46, 1010, 10000, 0x200000, 0x200001, 90_000_000, 0x7fffffff];
  for (const seed of [0, 1, -1, 42, 0x7fffffff, -(2 ** 31)]) {
    for (const index of [0, 1, 49, 50, 123_456, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 17]) {
      for (const bound of bounds) {
        const r = new EventRandom(seed).reset(index);
        const got = Array.from({ length: 8 }, () => r.nextInt(bound));
        expect(got).toEqual(refStream(seed, BigInt(index), 8, BigInt(bound)).map(Number));
      }
    }
  }
});

test("golden draws (the Java twin's first check)", () => {
  const r = new EventRandom(0).reset(0);
  const raw = [r.next(), r.next(), r.next()];
  expect(raw).toEqual([2767778133, 2419042091, 2460269841]);
  expect(raw).toEqual(refStream(0, 0n, 3, 1n << 32n).map(Number));
  // Printed so a failure shows the values to copy into the Java test.
  expect(raw.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
});
