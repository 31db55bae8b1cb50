package bicycle.bench.flink;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.SourceProvider;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * Table connector 'bicycle-nexmark': the {@link NexmarkSource} behind a table with Flink nexmark's
 * `datagen` schema (event_type INT, person ROW, auction ROW, bid ROW; see NexmarkRunner.DDL).
 * Options: events (required), rate (events/s of event time, default 10000), seed (0),
 * out-of-orderness-ms (0), num-splits (Bicycle's max parallelism, 128).
 */
public final class NexmarkTableFactory implements DynamicTableSourceFactory {
  public static final ConfigOption<Long> EVENTS = ConfigOptions.key("events").longType().noDefaultValue();
  public static final ConfigOption<Long> RATE = ConfigOptions.key("rate").longType().defaultValue(10_000L);
  public static final ConfigOption<Integer> SEED = ConfigOptions.key("seed").intType().defaultValue(0);
  public static final ConfigOption<Integer> OUT_OF_ORDERNESS_MS = ConfigOptions.key("out-of-orderness-ms").intType().defaultValue(0);
  public static final ConfigOption<Integer> NUM_SPLITS = ConfigOptions.key("num-splits").intType().defaultValue(NexmarkSplit.DEFAULT_NUM_SPLITS);

  @Override
  public String factoryIdentifier() {
    return "bicycle-nexmark";
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of(EVENTS);
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(RATE, SEED, OUT_OF_ORDERNESS_MS, NUM_SPLITS);
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ReadableConfig options = helper.getOptions();
    int columns = context.getCatalogTable().getResolvedSchema().toPhysicalRowDataType().getChildren().size();
    if (columns != 4) throw new IllegalArgumentException("bicycle-nexmark expects the physical columns (event_type, person, auction, bid), got " + columns);
    NexmarkModel.Config config = new NexmarkModel.Config();
    config.firstEventRate = options.get(RATE);
    config.seed = options.get(SEED);
    config.outOfOrdernessMs = options.get(OUT_OF_ORDERNESS_MS);
    return new TableSource(options.get(EVENTS), options.get(NUM_SPLITS), config);
  }

  static final class TableSource implements ScanTableSource {
    private final long events;
    private final int numSplits;
    private final NexmarkModel.Config config;

    TableSource(long events, int numSplits, NexmarkModel.Config config) {
      this.events = events;
      this.numSplits = numSplits;
      this.config = config;
    }

    @Override
    public ChangelogMode getChangelogMode() {
      return ChangelogMode.insertOnly();
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext runtimeProviderContext) {
      return SourceProvider.of(new NexmarkSource(events, numSplits, config));
    }

    @Override
    public DynamicTableSource copy() {
      return new TableSource(events, numSplits, config);
    }

    @Override
    public String asSummaryString() {
      return "BicycleNexmark(events=" + events + ")";
    }
  }
}
