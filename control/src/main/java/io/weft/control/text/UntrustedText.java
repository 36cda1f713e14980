package io.weft.control.text;

/**
 * Renders strings chosen by nodes or the identity provider for logs, terminals and HTML.
 *
 * <p>A terminal interprets C0 ({@code U+0000..U+001F}), DEL and C1 ({@code U+0080..U+009F}; {@code
 * U+009B} is a CSI on some terminals) as commands, and the bidirectional controls ({@code
 * U+202A..U+202E}, {@code U+2066..U+2069}, {@code U+200E/F}, {@code U+061C}) reorder what it shows;
 * each is written as {@code \\uXXXX} so that the line reads as what was sent.
 */
public final class UntrustedText {
  private UntrustedText() {}

  /** Whether {@code c} may move a cursor, change colours or reorder the text around it. */
  public static boolean isUnsafe(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069)
        || c == 0x200e
        || c == 0x200f
        || c == 0x061c;
  }

  /** {@code s} with every unsafe character written as {@code \\uXXXX}; null as {@code "null"}. */
  public static String escape(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean lone =
          Character.isHighSurrogate(c)
              ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
              : Character.isLowSurrogate(c)
                  && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
      if (isUnsafe(c) || lone || c == '\\') {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append(s, 0, i);
        }
        if (c == '\\') {
          b.append("\\\\");
        } else {
          b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /** {@link #escape} cut to at most {@code max} characters, marked with "..." when cut. */
  public static String escape(String s, int max) {
    String e = escape(s);
    return e.length() <= max ? e : e.substring(0, Math.max(0, max - 3)) + "...";
  }

  /** {@code s} without its unsafe characters (for values that are stored, such as names). */
  public static String strip(String s) {
    if (s == null) {
      return null;
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean lone =
          Character.isHighSurrogate(c)
              ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
              : Character.isLowSurrogate(c)
                  && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
      if (isUnsafe(c) || lone) {
        if (b == null) {
          b = new StringBuilder(s.length()).append(s, 0, i);
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * {@code s} for an HTML text node or a quoted attribute value, unsafe characters escaped first.
   */
  public static String html(String s) {
    String e = escape(s);
    StringBuilder b = new StringBuilder(e.length() + 16);
    for (int i = 0; i < e.length(); i++) {
      char c = e.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
