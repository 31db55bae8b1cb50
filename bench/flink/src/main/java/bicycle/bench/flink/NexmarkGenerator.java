package bicycle.bench.flink;

import static bicycle.bench.flink.NexmarkModel.*;

/**
 * Bicycle's Nexmark generator, written from the contract in src/connectors/datagen/README.md
 * ("Nexmark: the exact algorithm"): every event is a pure function of (config, index), integer
 * arithmetic only, one random stream per event index. Not thread-safe (one stream reset per event):
 * use one instance per source reader.
 */
public final class NexmarkGenerator {
  private static final int CHANNEL_KEY_HI = 0xFFFFFFFF;
  private static final int HOT_URL_KEY_HI = 0xFFFFFFFE;
  private static final String EXTRA_PAD;

  static {
    char[] pad = new char[1024];
    for (int j = 0; j < pad.length; j++) {
      pad[j] = (char) ('a' + (((NexmarkRandom.fmix32(j) & 0xFFFFFFFFL) * 26) >>> 32));
    }
    EXTRA_PAD = new String(pad);
  }

  private final Config config;
  private final NexmarkRandom random;
  private final long eventsForAuctions;
  private final String[] hotUrls = new String[HOT_CHANNELS.length];
  private final String[] channelUrls = new String[CHANNELS_NUMBER];

  public NexmarkGenerator(Config config) {
    this.config = config;
    this.random = new NexmarkRandom(config.seed);
    this.eventsForAuctions = ((long) config.numInFlightAuctions * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION;
    for (int k = 0; k < hotUrls.length; k++) hotUrls[k] = baseUrl(random.resetKey(k, HOT_URL_KEY_HI));
  }

  public NexmarkGenerator() {
    this(new Config());
  }

  public Config config() {
    return config;
  }

  /** KIND_PERSON, KIND_AUCTION or KIND_BID: offset 0 of each 50-event epoch person, 1..3 auctions, rest bids. */
  public static int kindOf(long index) {
    long offset = index % PROPORTION_DENOMINATOR;
    return offset < PERSON_PROPORTION ? KIND_PERSON : offset < PERSON_PROPORTION + AUCTION_PROPORTION ? KIND_AUCTION : KIND_BID;
  }

  /** Base-0 id of the last person at or before event {@code index}. */
  public static long lastBase0PersonId(long index) {
    long epoch = index / PROPORTION_DENOMINATOR;
    long offset = Math.min(index % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
    return epoch * PERSON_PROPORTION + offset;
  }

  /** Base-0 id of the last auction at or before event {@code index} (-1 before the first). */
  public static long lastBase0AuctionId(long index) {
    long epoch = index / PROPORTION_DENOMINATOR;
    long offset = index % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) {
      epoch--;
      offset = AUCTION_PROPORTION - 1;
    } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
      offset = AUCTION_PROPORTION - 1;
    } else {
      offset -= PERSON_PROPORTION;
    }
    return epoch * AUCTION_PROPORTION + offset;
  }

  /** Nominal event time: baseTimeMs + (index * 1000) div firstEventRate. */
  public long timestampForEvent(long index) {
    return config.baseTimeMs + (index * 1000) / config.firstEventRate;
  }

  /** Event {@code index} as a Person, Auction or Bid. */
  public Object event(long index) {
    switch (kindOf(index)) {
      case KIND_PERSON:
        return person(index);
      case KIND_AUCTION:
        return auction(index);
      default:
        return bid(index);
    }
  }

  public Person person(long index) {
    NexmarkRandom r = random.reset(index);
    Person p = new Person();
    p.dateTime = timestampForEvent(index) - r.nextInt(config.outOfOrdernessMs + 1);
    p.id = lastBase0PersonId(index) + FIRST_PERSON_ID;
    String first = FIRST_NAMES[r.nextInt(FIRST_NAMES.length)];
    p.name = first + " " + LAST_NAMES[r.nextInt(LAST_NAMES.length)];
    String user = nextString(r, 7, ' ');
    p.emailAddress = user + "@" + nextString(r, 5, ' ') + ".com";
    String c1 = digits4(r.nextInt(10000));
    String c2 = digits4(r.nextInt(10000));
    String c3 = digits4(r.nextInt(10000));
    String c4 = digits4(r.nextInt(10000));
    p.creditCard = c1 + " " + c2 + " " + c3 + " " + c4;
    p.city = US_CITIES[r.nextInt(US_CITIES.length)];
    p.state = US_STATES[r.nextInt(US_STATES.length)];
    int size = 8 + 8 + p.name.length() + p.emailAddress.length() + p.creditCard.length() + p.city.length() + p.state.length();
    p.extra = nextExtra(r, size, AVG_PERSON_BYTES);
    return p;
  }

  public Auction auction(long index) {
    NexmarkRandom r = random.reset(index);
    Auction a = new Auction();
    long nominal = timestampForEvent(index);
    a.dateTime = nominal - r.nextInt(config.outOfOrdernessMs + 1);
    a.id = lastBase0AuctionId(index) + FIRST_AUCTION_ID;
    a.seller = (r.nextInt(config.hotSellersRatio) > 0
            ? (lastBase0PersonId(index) / HOT_SELLER_GROUP) * HOT_SELLER_GROUP
            : randomBase0PersonId(index))
        + FIRST_PERSON_ID;
    a.category = FIRST_CATEGORY_ID + r.nextInt(NUM_CATEGORIES);
    a.initialBid = nextPrice(r);
    long horizonMs = timestampForEvent(index + eventsForAuctions) - nominal;
    a.expires = a.dateTime + 1 + r.nextInt((int) Math.min(Math.max(horizonMs * 2, 1), Integer.MAX_VALUE));
    a.itemName = nextString(r, 20, ' ');
    a.description = nextString(r, 100, ' ');
    a.reserve = a.initialBid + nextPrice(r);
    int size = 8 * 7 + a.itemName.length() + a.description.length();
    a.extra = nextExtra(r, size, AVG_AUCTION_BYTES);
    return a;
  }

  public Bid bid(long index) {
    NexmarkRandom r = random.reset(index);
    Bid b = new Bid();
    b.dateTime = timestampForEvent(index) - r.nextInt(config.outOfOrdernessMs + 1);
    b.auction = (r.nextInt(config.hotAuctionRatio) > 0
            ? (lastBase0AuctionId(index) / HOT_AUCTION_GROUP) * HOT_AUCTION_GROUP
            : randomBase0AuctionId(index))
        + FIRST_AUCTION_ID;
    b.bidder = (r.nextInt(config.hotBiddersRatio) > 0
            ? (lastBase0PersonId(index) / HOT_BIDDER_GROUP) * HOT_BIDDER_GROUP + 1
            : randomBase0PersonId(index))
        + FIRST_PERSON_ID;
    b.price = nextPrice(r);
    if (r.nextInt(HOT_CHANNELS_RATIO) > 0) {
      int k = r.nextInt(HOT_CHANNELS.length);
      b.channel = HOT_CHANNELS[k];
      b.url = hotUrls[k];
    } else {
      int n = r.nextInt(CHANNELS_NUMBER);
      b.channel = "channel-" + n;
      b.url = channelUrl(n);
    }
    int size = 8 * 4 + b.channel.length() + b.url.length();
    b.extra = nextExtra(r, size, AVG_BID_BYTES);
    return b;
  }

  /** randomPerson(i): n - active + nextInt(active + 10), n = lastPerson(i) + 1, active = min(n, numActivePeople). */
  private long randomBase0PersonId(long index) {
    long numPeople = lastBase0PersonId(index) + 1;
    long active = Math.min(numPeople, config.numActivePeople);
    return numPeople - active + random.nextInt((int) (active + PERSON_ID_LEAD));
  }

  /** randomAuction(i): min + nextInt(max - min + 1 + 10), max = lastAuction(i), min = max(max - inFlight, 0). */
  private long randomBase0AuctionId(long index) {
    long max = lastBase0AuctionId(index);
    long min = Math.max(max - config.numInFlightAuctions, 0);
    return min + random.nextInt((int) (max - min + 1 + AUCTION_ID_LEAD));
  }

  private String channelUrl(int n) {
    String url = channelUrls[n];
    if (url == null) {
      NexmarkRandom own = new NexmarkRandom(config.seed).resetKey(n, CHANNEL_KEY_HI);
      url = baseUrl(own) + "&channel_id=" + n;
      channelUrls[n] = url;
    }
    return url;
  }

  private static String baseUrl(NexmarkRandom r) {
    String s1 = nextString(r, 5, '_');
    String s2 = nextString(r, 5, '_');
    String s3 = nextString(r, 5, '_');
    return "https://www.nexmark.com/" + s1 + "/" + s2 + "/" + s3 + "/item.htm?query=1";
  }

  /** len = 3 + nextInt(max - 3); each char c = nextInt(27): 'a' + c, or special when c == 26; spaces trimmed. */
  static String nextString(NexmarkRandom r, int maxLength, char special) {
    int len = 3 + r.nextInt(maxLength - 3);
    char[] chars = new char[len];
    for (int i = 0; i < len; i++) {
      int c = r.nextInt(27);
      chars[i] = c < 26 ? (char) ('a' + c) : special;
    }
    int start = 0;
    int end = len;
    if (special == ' ') {
      while (start < end && chars[start] == ' ') start++;
      while (end > start && chars[end - 1] == ' ') end--;
    }
    return new String(chars, start, end - start);
  }

  /** Cents, by decade: base = 10^(nextInt(6) + 2); base + nextInt(9 * base). */
  static long nextPrice(NexmarkRandom r) {
    int base = 1;
    for (int e = r.nextInt(6) + 2; e > 0; e--) base *= 10;
    return base + (long) r.nextInt(9 * base);
  }

  /** "" if size >= average; else a prefix of EXTRA_PAD of rest - delta + nextInt(2 * delta) chars. */
  static String nextExtra(NexmarkRandom r, int size, int average) {
    if (size >= average) return "";
    int rest = average - size;
    int delta = rest / 5;
    int length = rest - delta + (delta == 0 ? 0 : r.nextInt(2 * delta));
    return EXTRA_PAD.substring(0, length);
  }

  private static String digits4(int n) {
    return n < 10 ? "000" + n : n < 100 ? "00" + n : n < 1000 ? "0" + n : Integer.toString(n);
  }
}
