package bicycle.bench.flink;

/**
 * The per-event random stream of Bicycle's Nexmark generator (contract:
 * src/connectors/datagen/README.md, "Random stream"). All arithmetic is Java {@code int}
 * (wrapping mod 2^32); draws are unsigned 32-bit values carried in an {@code int}.
 */
public final class NexmarkRandom {
  private static final int GAMMA = 0x9E3779B9;

  private final int seedA;
  private final int seedB;
  private int a;
  private int b;
  private int k;

  public NexmarkRandom(int seed) {
    this.seedA = fmix32(seed ^ 0x243F6A88);
    this.seedB = fmix32(seed ^ 0x85A308D3);
  }

  /** MurmurHash3's 32-bit finalizer. */
  public static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h;
  }

  /** Start the stream of the 64-bit key (hi:lo). */
  public NexmarkRandom resetKey(int lo, int hi) {
    a = fmix32(lo ^ fmix32(hi ^ seedA));
    b = fmix32(a ^ seedB);
    k = 0;
    return this;
  }

  /** Start the stream of event {@code index}. */
  public NexmarkRandom reset(long index) {
    return resetKey((int) index, (int) (index >>> 32));
  }

  /** The next draw as an unsigned 32-bit value (in the low bits of a long). */
  public long next() {
    k++;
    return fmix32((a + k * GAMMA) ^ b) & 0xFFFFFFFFL;
  }

  /** A draw in [0, bound), 1 <= bound < 2^31: (r * bound) >>> 32 over 64 bits. */
  public int nextInt(int bound) {
    return (int) ((next() * bound) >>> 32);
  }
}
