package bicycle.bench.flink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A plain Sink V2 for verify runs: subtask k appends its lines to {@code prefix + ".part" + k}; the
 * runner concatenates the parts into the --out file after the job ends. Not exactly-once (verify
 * runs have no failures); lines are only compared after sorting.
 */
public final class LinesSink implements Sink<String> {
  private static final long serialVersionUID = 1L;
  private final String prefix;

  public LinesSink(String prefix) {
    this.prefix = prefix;
  }

  public static Path part(String prefix, int subtask) {
    return Paths.get(prefix + ".part" + subtask);
  }

  @Override
  public SinkWriter<String> createWriter(WriterInitContext context) throws IOException {
    int subtask = context.getTaskInfo().getIndexOfThisSubtask();
    BufferedWriter out = Files.newBufferedWriter(part(prefix, subtask), StandardCharsets.UTF_8);
    return new SinkWriter<>() {
      @Override
      public void write(String element, Context ctx) throws IOException {
        out.write(element);
        out.write('\n');
      }

      @Override
      public void flush(boolean endOfInput) throws IOException {
        out.flush();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }
}
