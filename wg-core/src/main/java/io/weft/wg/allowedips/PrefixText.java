package io.weft.wg.allowedips;

/**
 * Text forms of {@link Prefix}: a strict parser for IPv4 dotted quads and RFC 4291 IPv6 addresses,
 * and the RFC 5952 formatter. Hand-written because {@link java.net.InetAddress} would accept host
 * names (and resolve them) and lenient IPv4 forms such as {@code 10.1}.
 */
final class PrefixText {

  private PrefixText() {}

  static Prefix parse(final String text) {
    final int slash = text.indexOf('/');
    if (slash < 0) {
      throw bad(text, "missing /length");
    }
    if (text.indexOf('/', slash + 1) >= 0) {
      throw bad(text, "more than one '/'");
    }
    final String host = text.substring(0, slash);
    final byte[] address = host.indexOf(':') >= 0 ? parseIpv6(text, host) : parseIpv4(text, host);
    final int bits = parseBits(text, text.substring(slash + 1), address.length * 8);
    return new Prefix(address, bits);
  }

  static String format(final byte[] address) {
    return address.length == 4 ? formatIpv4(address, 0) : formatIpv6(address);
  }

  private static int parseBits(final String text, final String digits, final int maxBits) {
    if (digits.isEmpty() || digits.length() > 3 || !allDigits(digits)) {
      throw bad(text, "prefix length must be a decimal number, not \"" + digits + "\"");
    }
    if (digits.length() > 1 && digits.charAt(0) == '0') {
      throw bad(text, "prefix length has a leading zero");
    }
    final int bits = Integer.parseInt(digits);
    if (bits > maxBits) {
      throw bad(text, "prefix length " + bits + " exceeds " + maxBits);
    }
    return bits;
  }

  private static byte[] parseIpv4(final String text, final String host) {
    final byte[] out = new byte[4];
    parseIpv4Into(text, host, out, 0);
    return out;
  }

  private static void parseIpv4Into(
      final String text, final String host, final byte[] out, final int off) {
    int start = 0;
    for (int octet = 0; octet < 4; octet++) {
      final int dot = host.indexOf('.', start);
      final int end = octet < 3 ? dot : host.length();
      if (octet < 3 && dot < 0) {
        throw bad(text, "an IPv4 address has four dotted octets");
      }
      if (octet == 3 && host.indexOf('.', start) >= 0) {
        throw bad(text, "an IPv4 address has four dotted octets");
      }
      final String part = host.substring(start, end);
      if (part.isEmpty() || part.length() > 3 || !allDigits(part)) {
        throw bad(text, "IPv4 octet \"" + part + "\" is not a decimal number");
      }
      if (part.length() > 1 && part.charAt(0) == '0') {
        throw bad(text, "IPv4 octet \"" + part + "\" has a leading zero");
      }
      final int value = Integer.parseInt(part);
      if (value > 255) {
        throw bad(text, "IPv4 octet " + value + " exceeds 255");
      }
      out[off + octet] = (byte) value;
      start = end + 1;
    }
  }

  private static byte[] parseIpv6(final String text, final String host) {
    final int gap = host.indexOf("::");
    if (gap >= 0 && host.indexOf("::", gap + 1) >= 0) {
      throw bad(text, "'::' may appear only once");
    }
    final byte[] head = new byte[16];
    final byte[] tail = new byte[16];
    // A dotted IPv4 tail may only end the address, not stand before "::".
    final int headBytes = parseGroups(text, gap < 0 ? host : host.substring(0, gap), head, gap < 0);
    final int tailBytes = gap < 0 ? 0 : parseGroups(text, host.substring(gap + 2), tail, true);
    if (gap < 0 && headBytes != 16) {
      throw bad(text, "an IPv6 address has eight groups (or '::')");
    }
    if (gap >= 0 && headBytes + tailBytes > 14) {
      throw bad(text, "'::' must stand for at least one group");
    }
    final byte[] out = new byte[16];
    System.arraycopy(head, 0, out, 0, headBytes);
    System.arraycopy(tail, 0, out, 16 - tailBytes, tailBytes);
    return out;
  }

  // Parses colon-separated hex groups, the last of which may be a dotted IPv4 address if
  // dottedTail; returns the number of bytes written.
  private static int parseGroups(
      final String text, final String groups, final byte[] out, final boolean dottedTail) {
    if (groups.isEmpty()) {
      return 0;
    }
    int written = 0;
    int start = 0;
    while (true) {
      final int colon = groups.indexOf(':', start);
      final String group = groups.substring(start, colon < 0 ? groups.length() : colon);
      if (dottedTail && colon < 0 && group.indexOf('.') >= 0) {
        if (written > 12) {
          throw bad(text, "an IPv6 address has eight groups (or '::')");
        }
        parseIpv4Into(text, group, out, written);
        return written + 4;
      }
      if (group.isEmpty() || group.length() > 4 || !allHex(group)) {
        throw bad(text, "IPv6 group \"" + group + "\" is not 1 to 4 hex digits");
      }
      if (written == 16) {
        throw bad(text, "an IPv6 address has eight groups (or '::')");
      }
      final int value = Integer.parseInt(group, 16);
      out[written++] = (byte) (value >>> 8);
      out[written++] = (byte) value;
      if (colon < 0) {
        return written;
      }
      start = colon + 1;
    }
  }

  private static String formatIpv4(final byte[] address, final int off) {
    return (address[off] & 0xff)
        + "."
        + (address[off + 1] & 0xff)
        + "."
        + (address[off + 2] & 0xff)
        + "."
        + (address[off + 3] & 0xff);
  }

  private static String formatIpv6(final byte[] address) {
    final int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
    }
    final boolean mapped =
        groups[0] == 0
            && groups[1] == 0
            && groups[2] == 0
            && groups[3] == 0
            && groups[4] == 0
            && groups[5] == 0xffff;
    if (mapped) {
      return "::ffff:" + formatIpv4(address, 12);
    }
    // RFC 5952 4.2: the longest run of two or more zero groups becomes "::", the first if tied.
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    final StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (i > 0 && i != bestStart + bestLength) {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  private static boolean allDigits(final String s) {
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean allHex(final String s) {
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }

  private static IllegalArgumentException bad(final String text, final String why) {
    return new IllegalArgumentException("not an IP prefix: \"" + text + "\": " + why);
  }
}
