package bicycle.bench.flink;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.types.Row;

/**
 * Runs one Nexmark query on a local MiniCluster and prints one JSON line with the timings on stdout
 * (everything else goes to stderr). See README.md for the flags.
 */
public final class NexmarkRunner {
  /** Flink nexmark's ddl (nexmark-flink/src/main/resources/queries/ddl_gen.sql) on the bicycle-nexmark connector. */
  static String ddl(long events, long rate) {
    return "CREATE TEMPORARY TABLE datagen (\n"
        + "  event_type INT,\n"
        + "  person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>,\n"
        + "  auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, `dateTime` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,\n"
        + "  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `dateTime` TIMESTAMP(3), extra VARCHAR>,\n"
        + "  `dateTime` AS CASE WHEN event_type = 0 THEN person.`dateTime` WHEN event_type = 1 THEN auction.`dateTime` ELSE bid.`dateTime` END,\n"
        + "  WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND\n"
        + ") WITH ('connector' = 'bicycle-nexmark', 'events' = '" + events + "', 'rate' = '" + rate + "')";
  }

  static final String[] VIEWS = {
    "CREATE TEMPORARY VIEW person AS SELECT person.id, person.name, person.emailAddress, person.creditCard, person.city, person.state, `dateTime`, person.extra FROM datagen WHERE event_type = 0",
    "CREATE TEMPORARY VIEW auction AS SELECT auction.id, auction.itemName, auction.description, auction.initialBid, auction.reserve, `dateTime`, auction.expires, auction.seller, auction.category, auction.extra FROM datagen WHERE event_type = 1",
    "CREATE TEMPORARY VIEW bid AS SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, `dateTime`, bid.extra FROM datagen WHERE event_type = 2",
  };

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    if (args.containsKey("golden")) {
      System.exit(Golden.run() ? 0 : 1);
    }
    String query = args.getOrDefault("query", "q0");
    long events = Long.parseLong(args.getOrDefault("events", "1000000"));
    long rate = Long.parseLong(args.getOrDefault("rate", "10000"));
    int parallelism = Integer.parseInt(args.getOrDefault("parallelism", "1"));
    String state = args.getOrDefault("state", "hashmap");
    long checkpointMs = Long.parseLong(args.getOrDefault("checkpoint-interval-ms", "10000"));
    String sink = args.getOrDefault("sink", "blackhole");
    String variant = args.getOrDefault("variant", sink.equals("file") ? "verify" : "bench");
    if (!state.equals("hashmap") && !state.equals("rocksdb")) throw new IllegalArgumentException("--state must be hashmap or rocksdb");
    if (!sink.equals("blackhole") && !sink.equals("file")) throw new IllegalArgumentException("--sink must be blackhole or file");
    String out = args.get("out");
    if (sink.equals("file") && out == null) throw new IllegalArgumentException("--sink file needs --out PATH");
    String sql = args.containsKey("query-file") ? stripSemicolons(Files.readString(Paths.get(args.get("query-file")))) : loadQuery(query, variant);

    Path checkpointDir = Files.createTempDirectory("bicycle-flink-ckpt-");
    Map<String, String> settings = new HashMap<>();
    settings.put("execution.runtime-mode", "STREAMING");
    settings.put("parallelism.default", Integer.toString(parallelism));
    settings.put("state.backend.type", state);
    if (checkpointMs > 0) {
      settings.put("execution.checkpointing.interval", checkpointMs + " ms");
      settings.put("execution.checkpointing.mode", "EXACTLY_ONCE");
      settings.put("execution.checkpointing.dir", checkpointDir.toUri().toString());
    }
    if (args.containsKey("final-checkpoint")) settings.put("execution.checkpointing.checkpoints-after-tasks-finish", args.get("final-checkpoint"));
    System.err.println("flink settings: " + settings);
    Configuration conf = Configuration.fromMap(settings);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.newInstance().inStreamingMode().build());
    tEnv.executeSql(ddl(events, rate));
    for (String v : VIEWS) tEnv.executeSql(v);

    Table table = tEnv.sqlQuery(sql);
    ResolvedSchema schema = table.getResolvedSchema();
    JobClient job;
    String partPrefix = null;
    if (sink.equals("blackhole")) {
      tEnv.createTemporaryTable("blackhole_sink", TableDescriptor.forConnector("blackhole").schema(plainSchema(schema)).build());
      TableResult result = table.insertInto("blackhole_sink").execute();
      job = result.getJobClient().orElseThrow();
    } else {
      partPrefix = Paths.get(out).toAbsolutePath() + ".tmp";
      List<String> names = schema.getColumnNames();
      tEnv.toDataStream(table)
          .map(new RowToJson(names.toArray(new String[0])))
          .returns(Types.STRING)
          .name("to-json-lines")
          .sinkTo(new LinesSink(partPrefix))
          .name("lines-file");
      job = env.executeAsync("nexmark-" + query + "-verify");
    }
    long submitted = System.currentTimeMillis();
    // The driver (bench/vs-flink.ts) samples this process's CPU time from /proc at this line and at the result line.
    System.out.println("{\"event\":\"started\"}");
    System.out.flush();
    JobExecutionResult result = job.getJobExecutionResult().get();
    long ended = System.currentTimeMillis();
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    long startupMs = submitted - jvmStart;
    long runMs = ended - submitted;
    System.err.println("job " + job.getJobID() + " finished; Flink netRuntime " + result.getNetRuntime() + " ms; wall from submission " + runMs + " ms");

    long rows = -1;
    if (partPrefix != null) rows = mergeParts(partPrefix, parallelism, Paths.get(out));
    deleteRecursively(checkpointDir);

    StringBuilder json = new StringBuilder();
    json.append("{\"engine\":\"flink\",\"query\":\"").append(query).append("\",\"variant\":\"").append(variant)
        .append("\",\"parallelism\":").append(parallelism).append(",\"events\":").append(events)
        .append(",\"state\":\"").append(state).append("\",\"checkpointIntervalMs\":").append(checkpointMs)
        .append(",\"sink\":\"").append(sink).append("\"");
    if (rows >= 0) json.append(",\"rows\":").append(rows);
    json.append(",\"startupMs\":").append(startupMs).append(",\"runMs\":").append(runMs)
        .append(",\"eventsPerSecond\":").append(runMs > 0 ? Math.round(events * 1000.0 / runMs) : 0).append("}");
    System.out.println(json);
    System.out.flush();
    // --hold: stay alive until stdin closes, so the driver can read peak RSS and CPU from /proc first.
    if (args.containsKey("hold")) {
      while (System.in.read() >= 0) {
        // drain
      }
    }
    System.exit(0);
  }

  /** queries/qN.sql (Flink nexmark's text) or, for variant verify, queries/qN_verify.sql when it exists. */
  static String loadQuery(String query, String variant) throws IOException {
    InputStream found = null;
    if (variant.equals("verify")) found = NexmarkRunner.class.getResourceAsStream("/queries/" + query + "_verify.sql");
    if (found == null) found = NexmarkRunner.class.getResourceAsStream("/queries/" + query + ".sql");
    if (found == null) throw new IllegalArgumentException("no query " + query);
    try (InputStream in = found) {
      return stripSemicolons(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static String stripSemicolons(String sql) {
    String text = sql.trim();
    while (text.endsWith(";")) text = text.substring(0, text.length() - 1).trim();
    return text;
  }

  /** The query's columns with time attributes turned into plain timestamps (a sink cannot take a rowtime). */
  static Schema plainSchema(ResolvedSchema schema) {
    Schema.Builder b = Schema.newBuilder();
    for (Column c : schema.getColumns()) {
      DataType t = c.getDataType();
      LogicalType lt = t.getLogicalType();
      if (lt instanceof TimestampType ts) t = DataTypes.TIMESTAMP(ts.getPrecision());
      else if (lt instanceof LocalZonedTimestampType lz) t = DataTypes.TIMESTAMP_LTZ(lz.getPrecision());
      if (!lt.isNullable()) t = t.notNull();
      b.column(c.getName(), t);
    }
    return b.build();
  }

  /**
   * One JSON object per row, keys = the query's column names in order; integers and decimals as JSON
   * numbers, strings quoted, TIMESTAMP as "YYYY-MM-DD HH:MM:SS.mmm" (the value as UTC wall time, the
   * format of Bicycle's `sql --format json`), null as null.
   */
  static final class RowToJson implements MapFunction<Row, String> {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private final String[] names;

    RowToJson(String[] names) {
      this.names = names;
    }

    @Override
    public String map(Row row) {
      StringBuilder sb = new StringBuilder(128).append('{');
      for (int i = 0; i < names.length; i++) {
        if (i > 0) sb.append(',');
        Json.quote(sb, names[i]);
        sb.append(':');
        Object v = row.getField(i);
        if (v == null) sb.append("null");
        else if (v instanceof LocalDateTime t) Json.quote(sb, TS.format(t));
        else if (v instanceof Instant t) Json.quote(sb, TS.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC)));
        else if (v instanceof BigDecimal d) sb.append(d.stripTrailingZeros().toPlainString());
        else if (v instanceof Number || v instanceof Boolean) sb.append(v);
        else Json.quote(sb, v.toString());
      }
      return sb.append('}').toString();
    }
  }

  static long mergeParts(String prefix, int parallelism, Path out) throws IOException {
    long rows = 0;
    List<Path> parts = new ArrayList<>();
    for (int k = 0; k < parallelism; k++) if (Files.exists(LinesSink.part(prefix, k))) parts.add(LinesSink.part(prefix, k));
    try (var w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (Path p : parts) {
        try (Stream<String> lines = Files.lines(p, StandardCharsets.UTF_8)) {
          for (String line : (Iterable<String>) lines::iterator) {
            w.write(line);
            w.write('\n');
            rows++;
          }
        }
        Files.delete(p);
      }
    }
    System.err.println("wrote " + rows + " rows to " + out);
    return rows;
  }

  /** Best effort: Flink may still be discarding a subsumed checkpoint in this tree while we walk it. */
  static void deleteRecursively(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }

  static Map<String, String> parse(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument " + a);
      String key = a.substring(2);
      int eq = key.indexOf('=');
      if (eq >= 0) args.put(key.substring(0, eq), key.substring(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) args.put(key, argv[++i]);
      else args.put(key, "true");
    }
    return args;
  }
}
