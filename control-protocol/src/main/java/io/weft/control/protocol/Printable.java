package io.weft.control.protocol;

/**
 * Text from the other side (node names, host info, error reasons) made safe to print: control
 * characters (C0, DEL, C1, and the Unicode bidirectional overrides) are dropped, so a name cannot
 * move the cursor, rewrite earlier lines of {@code weft status} or forge log lines.
 */
public final class Printable {
  private Printable() {}

  /** {@code s} without control characters; null stays null. */
  public static String strip(String s) {
    if (s == null) {
      return null;
    }
    int i = 0;
    while (i < s.length() && !unsafe(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    b.append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!unsafe(c)) {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
  }
}
