package bicycle.bench.flink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * A bounded FLIP-27 source of the first {@code events} Nexmark events, emitting every kind as one
 * row (event_type INT, person ROW, auction ROW, bid ROW), the layout of Flink's nexmark `datagen`
 * table (event_type 0 person, 1 auction, 2 bid; the other two rows null). Each reader gets one
 * {@link NexmarkSplit} (Bicycle's interleaved layout) and emits one event per pollNext call.
 */
public final class NexmarkSource implements Source<RowData, NexmarkSplit, NexmarkSource.EnumState> {
  private static final long serialVersionUID = 1L;

  private final long events;
  private final int numSplits;
  private final NexmarkModel.Config config;

  public NexmarkSource(long events, int numSplits, NexmarkModel.Config config) {
    this.events = events;
    this.numSplits = numSplits;
    this.config = config;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.BOUNDED;
  }

  @Override
  public SplitEnumerator<NexmarkSplit, EnumState> createEnumerator(SplitEnumeratorContext<NexmarkSplit> context) {
    return new Enumerator(context, new EnumState());
  }

  @Override
  public SplitEnumerator<NexmarkSplit, EnumState> restoreEnumerator(SplitEnumeratorContext<NexmarkSplit> context, EnumState state) {
    return new Enumerator(context, state);
  }

  @Override
  public SimpleVersionedSerializer<NexmarkSplit> getSplitSerializer() {
    return new JavaSerializer<>();
  }

  @Override
  public SimpleVersionedSerializer<EnumState> getEnumeratorCheckpointSerializer() {
    return new JavaSerializer<>();
  }

  @Override
  public SourceReader<RowData, NexmarkSplit> createReader(SourceReaderContext readerContext) {
    return new Reader(readerContext, config);
  }

  /** Subtasks already given their split, and splits handed back after a failure. */
  public static final class EnumState implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final HashSet<Integer> assigned = new HashSet<>();
    final HashMap<Integer, ArrayList<NexmarkSplit>> returned = new HashMap<>();
  }

  private final class Enumerator implements SplitEnumerator<NexmarkSplit, EnumState> {
    private final SplitEnumeratorContext<NexmarkSplit> context;
    private final EnumState state;

    Enumerator(SplitEnumeratorContext<NexmarkSplit> context, EnumState state) {
      this.context = context;
      this.state = state;
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
      List<NexmarkSplit> back = state.returned.remove(subtaskId);
      if (back != null) {
        for (NexmarkSplit s : back) context.assignSplit(s, subtaskId);
      } else if (state.assigned.add(subtaskId)) {
        context.assignSplit(NexmarkSplit.forSubtask(subtaskId, context.currentParallelism(), numSplits, events), subtaskId);
      }
      context.signalNoMoreSplits(subtaskId);
    }

    @Override
    public void addSplitsBack(List<NexmarkSplit> splits, int subtaskId) {
      state.returned.computeIfAbsent(subtaskId, k -> new ArrayList<>()).addAll(splits);
    }

    @Override
    public void addReader(int subtaskId) {}

    @Override
    public EnumState snapshotState(long checkpointId) {
      EnumState copy = new EnumState();
      copy.assigned.addAll(state.assigned);
      for (Map.Entry<Integer, ArrayList<NexmarkSplit>> e : state.returned.entrySet()) copy.returned.put(e.getKey(), new ArrayList<>(e.getValue()));
      return copy;
    }

    @Override
    public void close() {}
  }

  private static final class Reader implements SourceReader<RowData, NexmarkSplit> {
    private final SourceReaderContext context;
    private final NexmarkGenerator generator;
    private final ArrayList<NexmarkSplit> splits = new ArrayList<>();
    private boolean noMoreSplits;
    private CompletableFuture<Void> available = new CompletableFuture<>();

    Reader(SourceReaderContext context, NexmarkModel.Config config) {
      this.context = context;
      this.generator = new NexmarkGenerator(config);
    }

    @Override
    public void start() {
      if (splits.isEmpty()) context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RowData> output) {
      while (!splits.isEmpty() && splits.get(0).done()) splits.remove(0);
      if (splits.isEmpty()) {
        if (noMoreSplits) return InputStatus.END_OF_INPUT;
        if (available.isDone()) available = new CompletableFuture<>();
        return InputStatus.NOTHING_AVAILABLE;
      }
      NexmarkSplit split = splits.get(0);
      long i = split.nextIndex;
      output.collect(toRow(i));
      split.nextIndex = split.advance(i);
      return InputStatus.MORE_AVAILABLE;
    }

    private RowData toRow(long i) {
      GenericRowData row = new GenericRowData(4);
      switch (NexmarkGenerator.kindOf(i)) {
        case NexmarkModel.KIND_PERSON -> {
          NexmarkModel.Person p = generator.person(i);
          row.setField(0, NexmarkModel.KIND_PERSON);
          row.setField(1, GenericRowData.of(p.id, str(p.name), str(p.emailAddress), str(p.creditCard), str(p.city), str(p.state), ts(p.dateTime), str(p.extra)));
        }
        case NexmarkModel.KIND_AUCTION -> {
          NexmarkModel.Auction a = generator.auction(i);
          row.setField(0, NexmarkModel.KIND_AUCTION);
          row.setField(2, GenericRowData.of(a.id, str(a.itemName), str(a.description), a.initialBid, a.reserve, ts(a.dateTime), ts(a.expires), a.seller, a.category, str(a.extra)));
        }
        default -> {
          NexmarkModel.Bid b = generator.bid(i);
          row.setField(0, NexmarkModel.KIND_BID);
          row.setField(3, GenericRowData.of(b.auction, b.bidder, b.price, str(b.channel), str(b.url), ts(b.dateTime), str(b.extra)));
        }
      }
      return row;
    }

    private static StringData str(String s) {
      return StringData.fromString(s);
    }

    private static TimestampData ts(long epochMs) {
      return TimestampData.fromEpochMillis(epochMs);
    }

    @Override
    public List<NexmarkSplit> snapshotState(long checkpointId) {
      List<NexmarkSplit> out = new ArrayList<>();
      for (NexmarkSplit s : splits) out.add(s.copy());
      return out;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
      return available;
    }

    @Override
    public void addSplits(List<NexmarkSplit> newSplits) {
      splits.addAll(newSplits);
      available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
      noMoreSplits = true;
      available.complete(null);
    }

    @Override
    public void close() {}
  }

  /** Java serialization for the split and enumerator state (small, rare). */
  static final class JavaSerializer<T> implements SimpleVersionedSerializer<T> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(T obj) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(obj);
      }
      return bytes.toByteArray();
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(int version, byte[] serialized) throws IOException {
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(serialized))) {
        return (T) in.readObject();
      } catch (ClassNotFoundException e) {
        throw new IOException(e);
      }
    }
  }
}
