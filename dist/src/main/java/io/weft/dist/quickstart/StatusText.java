package io.weft.dist.quickstart;

import io.weft.agent.backend.Backend;
import java.util.List;
import java.util.Locale;

/**
 * A plain rendering of {@link Backend.Status} for the tour, one line for the node and one per
 * peer. Stands in until the CLI's own {@code weft status} printer is available to share.
 */
final class StatusText {
  private StatusText() {}

  static String format(Backend.Status s, long nowMillis) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-28s %-10s %s, control %s, map version %d, udp/%d%n",
        String.join(" ", hosts(s.addresses())), s.hostname(), s.state(),
        s.controlConnected() ? "connected" : "disconnected", s.mapVersion(), s.listenPort()));
    if (s.lastError() != null) {
      b.append("  last error: ").append(s.lastError()).append('\n');
    }
    for (Backend.PeerStatus p : s.peers()) {
      String handshake = p.lastHandshakeEpochMillis() <= 0 ? "no handshake yet"
          : String.format(Locale.ROOT, "handshake %.1f s ago", Math.max(0, nowMillis - p.lastHandshakeEpochMillis()) / 1e3);
      b.append(String.format(Locale.ROOT, "%-28s %-10s %s, %s, %s, rx %s, tx %s%n",
          String.join(" ", hosts(p.addresses())), p.name(), p.online() ? "online" : "offline",
          p.endpoint() == null ? "no endpoint" : "direct " + p.endpoint(), handshake, bytes(p.rxBytes()),
          bytes(p.txBytes())));
    }
    return b.toString();
  }

  /** Addresses without their prefix length ({@code 100.64.0.1/32} reads as {@code 100.64.0.1}). */
  static List<String> hosts(List<String> prefixes) {
    return prefixes.stream().map(a -> a.replaceFirst("/\\d+$", "")).toList();
  }

  static String bytes(long n) {
    if (n < 1000) {
      return n + " B";
    }
    return n < 1_000_000 ? String.format(Locale.ROOT, "%.1f kB", n / 1e3) : String.format(Locale.ROOT, "%.1f MB", n / 1e6);
  }
}
