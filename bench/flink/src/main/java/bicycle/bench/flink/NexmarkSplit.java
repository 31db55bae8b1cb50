package bicycle.bench.flink;

import java.io.Serializable;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One reader's share of the index range [0, count), laid out like Bicycle's SplitCursor
 * (src/connectors/common/split-cursor.ts): index i belongs to index-split i % numSplits
 * (numSplits = Bicycle's max parallelism, 128 by default); subtask s of p owns the contiguous
 * index-splits keyGroupRangeFor(s, p, numSplits) = [ceil(s*n/p), ceil((s+1)*n/p) - 1] and reads
 * their indexes in ascending order, row by row. So at p = 2 subtask 0 reads 0..63, 128..191, ...
 * and subtask 1 reads 64..127, 192..255, ...: interleaved runs, both advancing through event time
 * together. {@code nextIndex} is the position (what a checkpoint stores).
 */
public final class NexmarkSplit implements SourceSplit, Serializable {
  private static final long serialVersionUID = 1L;
  public static final int DEFAULT_NUM_SPLITS = 128;

  public final int subtask;
  public final int numSplits;
  public final int firstSplit;
  public final int lastSplit;
  public final long count;
  public long nextIndex;

  public NexmarkSplit(int subtask, int numSplits, int firstSplit, int lastSplit, long count, long nextIndex) {
    this.subtask = subtask;
    this.numSplits = numSplits;
    this.firstSplit = firstSplit;
    this.lastSplit = lastSplit;
    this.count = count;
    this.nextIndex = nextIndex;
  }

  /** Bicycle's keyGroupRangeFor(subtask, parallelism, numSplits), starting at the first owned index. */
  public static NexmarkSplit forSubtask(int subtask, int parallelism, int numSplits, long count) {
    int start = (int) (((long) subtask * numSplits + parallelism - 1) / parallelism);
    int end = (int) (((long) (subtask + 1) * numSplits + parallelism - 1) / parallelism) - 1;
    long first = start <= end ? start : count;
    return new NexmarkSplit(subtask, numSplits, start, end, count, Math.min(first, Math.max(count, 0)));
  }

  /** The owned index after {@code i} (may be >= count). */
  public long advance(long i) {
    long pos = i % numSplits;
    return pos < lastSplit ? i + 1 : (i / numSplits + 1) * numSplits + firstSplit;
  }

  public boolean done() {
    return nextIndex >= count || firstSplit > lastSplit;
  }

  public NexmarkSplit copy() {
    return new NexmarkSplit(subtask, numSplits, firstSplit, lastSplit, count, nextIndex);
  }

  @Override
  public String splitId() {
    return "nexmark-" + subtask;
  }

  @Override
  public String toString() {
    return "NexmarkSplit{subtask=" + subtask + ", splits=[" + firstSplit + "," + lastSplit + "]/" + numSplits + ", next=" + nextIndex + ", count=" + count + "}";
  }
}
