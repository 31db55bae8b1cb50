package bicycle.bench.flink;

/**
 * The Nexmark records and constants of Bicycle's generator (src/connectors/datagen/nexmark/model.ts).
 * Field order is the order of the TS object literals, which is the JSON key order.
 */
public final class NexmarkModel {
  private NexmarkModel() {}

  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int PROPORTION_DENOMINATOR = 50;

  public static final long FIRST_PERSON_ID = 1000;
  public static final long FIRST_AUCTION_ID = 1000;
  public static final long FIRST_CATEGORY_ID = 10;
  public static final int NUM_CATEGORIES = 5;
  public static final int PERSON_ID_LEAD = 10;
  public static final int AUCTION_ID_LEAD = 10;
  public static final long HOT_SELLER_GROUP = 100;
  public static final long HOT_BIDDER_GROUP = 100;
  public static final long HOT_AUCTION_GROUP = 100;
  public static final int AVG_PERSON_BYTES = 200;
  public static final int AVG_AUCTION_BYTES = 500;
  public static final int AVG_BID_BYTES = 100;
  public static final int HOT_CHANNELS_RATIO = 2;
  public static final int CHANNELS_NUMBER = 10_000;

  public static final String[] HOT_CHANNELS = {"Google", "Facebook", "Baidu", "Apple"};
  public static final String[] US_STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  public static final String[] US_CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"};
  public static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"};
  public static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"};

  public static final int KIND_PERSON = 0;
  public static final int KIND_AUCTION = 1;
  public static final int KIND_BID = 2;

  /** Generator settings with Bicycle's defaults (NEXMARK_DEFAULTS). */
  public static final class Config implements java.io.Serializable {
    public int seed = 0;
    public long firstEventRate = 10_000;
    public long baseTimeMs = 1_436_918_400_000L;
    public int outOfOrdernessMs = 0;
    public int numActivePeople = 1000;
    public int numInFlightAuctions = 100;
    public int hotAuctionRatio = 2;
    public int hotSellersRatio = 4;
    public int hotBiddersRatio = 4;
  }

  public static final class Person {
    public long id;
    public String name;
    public String emailAddress;
    public String creditCard;
    public String city;
    public String state;
    public long dateTime;
    public String extra;

    public String toJson() {
      StringBuilder sb = new StringBuilder(256);
      sb.append("{\"id\":").append(id);
      Json.field(sb, "name", name);
      Json.field(sb, "emailAddress", emailAddress);
      Json.field(sb, "creditCard", creditCard);
      Json.field(sb, "city", city);
      Json.field(sb, "state", state);
      sb.append(",\"dateTime\":").append(dateTime);
      Json.field(sb, "extra", extra);
      return sb.append('}').toString();
    }
  }

  public static final class Auction {
    public long id;
    public String itemName;
    public String description;
    public long initialBid;
    public long reserve;
    public long dateTime;
    public long expires;
    public long seller;
    public long category;
    public String extra;

    public String toJson() {
      StringBuilder sb = new StringBuilder(600);
      sb.append("{\"id\":").append(id);
      Json.field(sb, "itemName", itemName);
      Json.field(sb, "description", description);
      sb.append(",\"initialBid\":").append(initialBid);
      sb.append(",\"reserve\":").append(reserve);
      sb.append(",\"dateTime\":").append(dateTime);
      sb.append(",\"expires\":").append(expires);
      sb.append(",\"seller\":").append(seller);
      sb.append(",\"category\":").append(category);
      Json.field(sb, "extra", extra);
      return sb.append('}').toString();
    }
  }

  public static final class Bid {
    public long auction;
    public long bidder;
    public long price;
    public String channel;
    public String url;
    public long dateTime;
    public String extra;

    public String toJson() {
      StringBuilder sb = new StringBuilder(200);
      sb.append("{\"auction\":").append(auction);
      sb.append(",\"bidder\":").append(bidder);
      sb.append(",\"price\":").append(price);
      Json.field(sb, "channel", channel);
      Json.field(sb, "url", url);
      sb.append(",\"dateTime\":").append(dateTime);
      Json.field(sb, "extra", extra);
      return sb.append('}').toString();
    }
  }

  /** JSON.stringify of the TS NexmarkEvent wrapper: {"kind":K,K:record}. */
  public static String eventJson(Object event) {
    if (event instanceof Person p) return "{\"kind\":\"person\",\"person\":" + p.toJson() + "}";
    if (event instanceof Auction a) return "{\"kind\":\"auction\",\"auction\":" + a.toJson() + "}";
    return "{\"kind\":\"bid\",\"bid\":" + ((Bid) event).toJson() + "}";
  }
}
