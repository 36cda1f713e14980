package io.weft.agent.cli;

import io.weft.agent.backend.Backend;
import io.weft.control.protocol.Printable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code weft status} for people: a header about this node, then one table row per peer. Text that
 * came from the server (names, addresses, endpoints, errors, the login URL) is printed without
 * control characters ({@link Printable}).
 */
public final class StatusPrinter {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);
  private static final String[] HEADER = {
    "PEER", "ADDRESSES", "ENDPOINT", "LAST HANDSHAKE", "RX", "TX", "ONLINE"
  };

  private StatusPrinter() {}

  /** The human status of {@code s}, ending with a newline. */
  public static String format(Backend.Status s) {
    return format(s, System.currentTimeMillis());
  }

  /** As {@link #format(Backend.Status)}, with handshake ages measured from {@code nowMillis}. */
  public static String format(Backend.Status s, long nowMillis) {
    return formatClean(clean(s), nowMillis);
  }

  /**
   * {@code s} with every string stripped of control characters (before column widths are measured).
   */
  static Backend.Status clean(Backend.Status s) {
    List<Backend.PeerStatus> peers = new ArrayList<>(s.peers().size());
    for (Backend.PeerStatus p : s.peers()) {
      peers.add(
          new Backend.PeerStatus(
              p.id(),
              Printable.strip(p.name()),
              Printable.strip(p.nodeKey()),
              strip(p.addresses()),
              Printable.strip(p.endpoint()),
              p.online(),
              p.lastHandshakeEpochMillis(),
              p.rxBytes(),
              p.txBytes()));
    }
    return new Backend.Status(
        s.state(),
        Printable.strip(s.hostname()),
        Printable.strip(s.nodeKey()),
        strip(s.addresses()),
        s.listenPort(),
        s.controlConnected(),
        Printable.strip(s.loginUrl()),
        Printable.strip(s.lastError()),
        s.mapVersion(),
        peers);
  }

  private static List<String> strip(List<String> l) {
    return l == null ? List.of() : l.stream().map(Printable::strip).toList();
  }

  private static String formatClean(Backend.Status s, long nowMillis) {
    StringBuilder b = new StringBuilder();
    b.append("state:    ").append(s.state()).append('\n');
    if (s.hostname() != null) {
      b.append("hostname: ").append(s.hostname()).append('\n');
    }
    if (!s.addresses().isEmpty()) {
      b.append("address:  ").append(String.join(", ", s.addresses())).append('\n');
    }
    if (s.nodeKey() != null) {
      b.append("node key: ").append(s.nodeKey()).append('\n');
    }
    if (s.listenPort() > 0) {
      b.append("udp port: ").append(s.listenPort()).append('\n');
    }
    if (s.mapVersion() >= 0 || s.controlConnected()) {
      b.append("control:  ")
          .append(s.controlConnected() ? "connected" : "not connected")
          .append(s.mapVersion() >= 0 ? " (map version " + s.mapVersion() + ")" : "")
          .append('\n');
    }
    if (s.loginUrl() != null) {
      b.append("login:    ").append(s.loginUrl()).append('\n');
    }
    if (s.lastError() != null) {
      b.append("error:    ").append(s.lastError()).append('\n');
    }
    if (s.peers().isEmpty()) {
      b.append("peers:    none\n");
      return b.toString();
    }
    b.append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    for (Backend.PeerStatus p : s.peers()) {
      rows.add(
          new String[] {
            p.name() == null ? "#" + p.id() : p.name(),
            String.join(",", p.addresses()),
            p.endpoint() == null ? "-" : p.endpoint(),
            handshake(p.lastHandshakeEpochMillis(), nowMillis),
            bytes(p.rxBytes()),
            bytes(p.txBytes()),
            p.online() ? "yes" : "no"
          });
    }
    int[] width = new int[HEADER.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }

  static String handshake(long epochMillis, long nowMillis) {
    if (epochMillis <= 0) {
      return "never";
    }
    long ago = Math.max(0, (nowMillis - epochMillis) / 1000);
    String age =
        ago < 60
            ? ago + "s ago"
            : ago < 3600
                ? ago / 60 + "m" + ago % 60 + "s ago"
                : TIME.format(Instant.ofEpochMilli(epochMillis));
    return age;
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
