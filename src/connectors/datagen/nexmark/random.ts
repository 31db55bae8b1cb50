/**
 * @module connectors/datagen/nexmark/random
 * The Nexmark generator's per-event random stream: 32-bit integer arithmetic only (Math.imul, >>>),
 * so a Java `int` implementation reproduces every draw bit for bit. The exact algorithm:
 *
 *   fmix32(h):  h ^= h >>> 16; h *= 0x85EBCA6B; h ^= h >>> 13; h *= 0xC2B2AE35; h ^= h >>> 16
 *               (MurmurHash3's finalizer; `*` wraps mod 2^32 like Java int multiplication)
 *   per seed:   seedA = fmix32(seed ^ 0x243F6A88), seedB = fmix32(seed ^ 0x85A308D3)
 *   stream key: (lo, hi) = the low and high 32 bits of a 64-bit key (the event index, or a
 *               reserved key for channel URLs: hi = 0xFFFFFFFF / 0xFFFFFFFE)
 *               a = fmix32(lo ^ fmix32(hi ^ seedA)), b = fmix32(a ^ seedB), k = 0
 *   next():     k += 1; r = fmix32((a + k * 0x9E3779B9) ^ b)            (an unsigned 32-bit draw)
 *   nextInt(n): (r * n) >>> 32 over 64 bits, for 1 <= n < 2^31      (Java: ((r & 0xFFFFFFFFL) * n) >>> 32)
 */
import { fmix32 } from "../../../core/index.ts";

/** MurmurHash3's 32-bit finalizer, shared with the key-group hash (core). */
export { fmix32 };

const GAMMA = 0x9e3779b9 | 0;
const TWO_32 = 4294967296;
/** Below this bound r * n < 2^53, so one float multiply is exact. */
const EXACT_BOUND = 0x200000;

/** A reusable random stream, reset to a key before each event (no allocation per event). */
export class EventRandom {
  private readonly seedA: number;
  private readonly seedB: number;
  private a = 0;
  private b = 0;
  private k = 0;

  /** `seed` is taken as a 32-bit signed integer (ToInt32; Java: `(int) seed`). */
  constructor(seed: number) {
    this.seedA = fmix32((seed | 0) ^ 0x243f6a88);
    this.seedB = fmix32((seed | 0) ^ 0x85a308d3);
  }

  /** Start the stream of a 64-bit key given as its low and high 32 bits. */
  resetKey(lo: number, hi: number): this {
    this.a = fmix32(lo ^ fmix32(hi ^ this.seedA));
    this.b = fmix32(this.a ^ this.seedB);
    this.k = 0;
    return this;
  }

  /** Start the stream of event `index` (a non-negative safe integer). */
  reset(index: number): this {
    return this.resetKey(index >>> 0, Math.floor(index / TWO_32));
  }

  /** The next unsigned 32-bit draw. */
  next(): number {
    this.k++;
    return fmix32((this.a + Math.imul(this.k, GAMMA)) ^ this.b);
  }

  /** A draw in [0, bound) for 1 <= bound < 2^31: floor(r * bound / 2^32), exact. */
  nextInt(bound: number): number {
    const r = this.next();
    if (bound <= EXACT_BOUND) return Math.floor((r * bound) / TWO_32);
    // r * bound may exceed 2^53: split r into 16-bit halves (floor of nested floors is exact).
    const high = (r >>> 16) * bound;
    const low = (r & 0xffff) * bound;
    return Math.floor((high + Math.floor(low / 65536)) / 65536);
  }
}
