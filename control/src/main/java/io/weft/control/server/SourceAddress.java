package io.weft.control.server;

import java.net.Inet6Address;
import java.net.InetAddress;

/** The key that per-source limits count by: an IPv4 address, or an IPv6 address's /64. */
public final class SourceAddress {
  private SourceAddress() {}

  /** {@code a} as a counting key ({@code "unknown"} for null). */
  public static String key(InetAddress a) {
    if (a == null) {
      return "unknown";
    }
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        s.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
      }
      return s.append(":/64").toString();
    }
    return a.getHostAddress();
  }
}
