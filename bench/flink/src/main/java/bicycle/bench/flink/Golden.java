package bicycle.bench.flink;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Prints the cross-check values of Bicycle's generator contract: three raw draws of seed 0 / event 0,
 * events 0, 4 and 54 as JSON (JSON.stringify form), and the SHA-256 of JSON.stringify(event) + "\n"
 * for events 0..9999 (default config). Exit code 1 when they differ from the TS golden values.
 * Run: java -cp bicycle-flink-nexmark.jar bicycle.bench.flink.Golden   (or the runner's --golden).
 */
public final class Golden {
  public static final long[] GOLDEN_DRAWS = {2767778133L, 2419042091L, 2460269841L};
  public static final String GOLDEN_SHA256 = "89fd04187ab3a1af69cdb476498a418e5f3c2f6974187415674a7ab59e21f729";

  private Golden() {}

  public static long[] draws() {
    NexmarkRandom r = new NexmarkRandom(0).reset(0);
    return new long[] {r.next(), r.next(), r.next()};
  }

  public static String sha256(int events) throws Exception {
    return sha256(events, new NexmarkModel.Config());
  }

  public static String sha256(int events, NexmarkModel.Config config) throws Exception {
    NexmarkGenerator gen = new NexmarkGenerator(config);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < events; i++) {
      md.update((NexmarkModel.eventJson(gen.event(i)) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    StringBuilder hex = new StringBuilder();
    for (byte b : md.digest()) hex.append(String.format("%02x", b));
    return hex.toString();
  }

  /** No args: the golden check. {@code N seed rate outOfOrdernessMs}: print the SHA-256 of events 0..N-1 for that config. */
  public static void main(String[] args) throws Exception {
    if (args.length == 4) {
      NexmarkModel.Config c = new NexmarkModel.Config();
      c.seed = Integer.parseInt(args[1]);
      c.firstEventRate = Long.parseLong(args[2]);
      c.outOfOrdernessMs = Integer.parseInt(args[3]);
      System.out.println(sha256(Integer.parseInt(args[0]), c));
      return;
    }
    System.exit(run() ? 0 : 1);
  }

  static boolean run() throws Exception {
    long[] d = draws();
    boolean drawsOk = java.util.Arrays.equals(d, GOLDEN_DRAWS);
    NexmarkGenerator gen = new NexmarkGenerator();
    System.out.println("draws " + d[0] + " " + d[1] + " " + d[2] + (drawsOk ? " OK" : " MISMATCH"));
    for (int i : new int[] {0, 4, 54}) System.out.println("event " + i + " " + NexmarkModel.eventJson(gen.event(i)));
    String sha = sha256(10_000);
    boolean shaOk = sha.equals(GOLDEN_SHA256);
    System.out.println("sha256(0..9999) " + sha + (shaOk ? " OK" : " MISMATCH (expected " + GOLDEN_SHA256 + ")"));
    return drawsOk && shaOk;
  }
}
