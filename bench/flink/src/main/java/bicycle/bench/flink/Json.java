package bicycle.bench.flink;

/** String quoting as JS JSON.stringify does it (escapes ", \\, control chars, lone surrogates). */
public final class Json {
  private Json() {}

  static void field(StringBuilder sb, String name, String value) {
    sb.append(",\"").append(name).append("\":");
    quote(sb, value);
  }

  public static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          boolean lone = false;
          if (Character.isHighSurrogate(c)) lone = i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
          else if (Character.isLowSurrogate(c)) lone = i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
          if (c < 0x20 || lone) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
