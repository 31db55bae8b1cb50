package bicycle.bench.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java twin against the TS golden values (random.test.ts, generator.test.ts) and the split layout. */
class GoldenTest {
  @Test
  void rawDraws() {
    assertArrayEquals(Golden.GOLDEN_DRAWS, Golden.draws());
  }

  @Test
  void goldenEvents() {
    NexmarkGenerator gen = new NexmarkGenerator();
    NexmarkModel.Person p = gen.person(0);
    assertEquals("{\"id\":1000,\"name\":\"Kate Walton\",\"emailAddress\":\"lvpjsh@oiu.com\",\"creditCard\":\"6605 2271 6858 3063\",\"city\":\"Boise\",\"state\":\"AZ\",\"dateTime\":1436918400000,\"extra\":\"" + p.extra + "\"}", p.toJson());
    assertEquals("{\"kind\":\"bid\",\"bid\":{\"auction\":1011,\"bidder\":1005,\"price\":524,\"channel\":\"Apple\",\"url\":\"https://www.nexmark.com/wvmv/mel/eic/item.htm?query=1\",\"dateTime\":1436918400000,\"extra\":\"aiendujchtx\"}}", NexmarkModel.eventJson(gen.event(4)));
    assertEquals("{\"kind\":\"bid\",\"bid\":{\"auction\":1000,\"bidder\":1001,\"price\":834447,\"channel\":\"channel-7250\",\"url\":\"https://www.nexmark.com/vnq/gad_/jjb/item.htm?query=1&channel_id=7250\",\"dateTime\":1436918400005,\"extra\":\"\"}}", NexmarkModel.eventJson(gen.event(54)));
  }

  @Test
  void sha256OfFirst10000() throws Exception {
    assertEquals(Golden.GOLDEN_SHA256, Golden.sha256(10_000));
  }

  @Test
  void splitLayoutMatchesBicycleSplitCursor() {
    // Subtask s of p owns index splits keyGroupRangeFor(s, p, 128) and reads their indexes ascending.
    int count = 1000;
    for (int p : new int[] {1, 2, 3}) {
      boolean[] seen = new boolean[count];
      for (int s = 0; s < p; s++) {
        NexmarkSplit split = NexmarkSplit.forSubtask(s, p, NexmarkSplit.DEFAULT_NUM_SPLITS, count);
        List<Long> got = new ArrayList<>();
        for (long i = split.nextIndex; i < count; i = split.advance(i)) got.add(i);
        List<Long> want = new ArrayList<>();
        for (long i = 0; i < count; i++) {
          long sp = i % 128;
          if (sp >= split.firstSplit && sp <= split.lastSplit) want.add(i);
        }
        assertEquals(want, got);
        for (long i : got) seen[(int) i] = true;
      }
      for (boolean b : seen) assertEquals(true, b);
    }
    NexmarkSplit s1 = NexmarkSplit.forSubtask(1, 2, 128, 1000);
    assertEquals(64, s1.firstSplit);
    assertEquals(127, s1.lastSplit);
  }
}
