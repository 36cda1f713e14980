package io.weft.agent.filter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** What the filter decided, by reason: plain counters, incremented without allocation. */
public final class FilterStats {
  /** Inbound admitted by a rule (a new connection or a packet a rule covers). */
  public static final int ACCEPT_RULE = 0;

  /** Inbound admitted as part of a tracked flow (a reply, or an established connection). */
  public static final int ACCEPT_FLOW = 1;

  /** Inbound ICMP errors (unreachable, time exceeded...), admitted as Tailscale does. */
  public static final int ACCEPT_ICMP_ERROR = 2;

  /** Inbound IP fragments without a transport header, admitted as Tailscale does. */
  public static final int ACCEPT_FRAGMENT = 3;

  /** Dropped: not valid IP, or a truncated transport header. */
  public static final int MALFORMED = 4;

  /** Dropped: no rule covers the source and destination address. */
  public static final int NO_RULE = 5;

  /** Dropped: a rule covers the addresses and protocol but not the destination port. */
  public static final int WRONG_PORT = 6;

  /** Dropped: rules cover the addresses, none the protocol. */
  public static final int WRONG_PROTOCOL = 7;

  /** Dropped: TCP other than a SYN, or an echo reply, that belongs to no tracked flow. */
  public static final int NOT_NEW = 8;

  /** Outbound packets seen (always passed; their flows recorded). */
  public static final int OUTBOUND = 9;

  static final String[] NAMES = {
    "accepted by rule", "accepted in flow", "accepted ICMP error", "accepted fragment",
    "dropped malformed", "dropped no rule", "dropped wrong port", "dropped wrong protocol",
    "dropped not a new connection", "outbound",
  };

  private final AtomicLongArray counts = new AtomicLongArray(NAMES.length);

  void count(int reason) {
    counts.incrementAndGet(reason);
  }

  /** The count for {@code reason} (one of the constants). */
  public long get(int reason) {
    return counts.get(reason);
  }

  /** Every inbound packet dropped. */
  public long dropped() {
    return get(MALFORMED) + get(NO_RULE) + get(WRONG_PORT) + get(WRONG_PROTOCOL) + get(NOT_NEW);
  }

  /** The counters by name, for status output. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < NAMES.length; i++) {
      m.put(NAMES[i], counts.get(i));
    }
    return m;
  }

  /** The name of {@code reason}. */
  public static String name(int reason) {
    return NAMES[reason];
  }
}
