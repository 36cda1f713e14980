package io.weft.control.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A node's UDP endpoints as literal {@code a.b.c.d:port} or {@code [v6]:port}, nothing else: no
 * names (they would be resolved by every peer), no zone ids, no control characters, port 1..65535.
 * Parsing never consults DNS.
 */
final class Endpoints {
  /** Endpoints one node may list. */
  static final int MAX = 32;

  /** The longest valid endpoint: {@code [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535}. */
  static final int MAX_LENGTH = 47;

  private static final String OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final String PORT = "([1-9][0-9]{0,4})";
  private static final Pattern V4 =
      Pattern.compile("(" + OCTET + "(?:\\." + OCTET + "){3}):" + PORT);
  private static final Pattern V6 = Pattern.compile("\\[([0-9A-Fa-f:.]{2,45})\\]:" + PORT);

  private Endpoints() {}

  /** Why {@code endpoints} are not acceptable, or null when they are. */
  static String invalid(List<String> endpoints) {
    if (endpoints.size() > MAX) {
      return "more than " + MAX + " endpoints";
    }
    for (String e : endpoints) {
      if (!valid(e)) {
        return "endpoint is not IP:port: "
            + (e == null ? "null" : io.weft.control.text.UntrustedText.escape(e, 60));
      }
    }
    return null;
  }

  /** The endpoints without repeats (they are valid). */
  static List<String> distinct(List<String> endpoints) {
    return new ArrayList<>(new LinkedHashSet<>(endpoints));
  }

  static boolean valid(String e) {
    if (e == null || e.length() > MAX_LENGTH) {
      return false;
    }
    var v4 = V4.matcher(e);
    if (v4.matches()) {
      return port(v4.group(2));
    }
    var v6 = V6.matcher(e);
    if (!v6.matches() || !port(v6.group(2)) || v6.group(1).indexOf(':') < 0) {
      return false;
    }
    try {
      // A literal containing ':' is parsed as IPv6 and never looked up.
      InetAddress a = InetAddress.getByName(v6.group(1));
      return a instanceof Inet6Address || a.getAddress().length == 4;
    } catch (UnknownHostException | IllegalArgumentException ex) {
      return false;
    }
  }

  private static boolean port(String p) {
    int n = Integer.parseInt(p);
    return n >= 1 && n <= 65535;
  }
}
