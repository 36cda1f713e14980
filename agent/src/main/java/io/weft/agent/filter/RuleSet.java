package io.weft.agent.filter;

import io.weft.control.protocol.FilterRule;
import io.weft.wg.allowedips.AllowedIps;
import io.weft.wg.allowedips.Prefix;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@link FilterRule}s compiled into a matcher: per rule a protocol bit set, a source trie and a
 * destination trie (wg-core's {@link AllowedIps}) whose values are the port ranges open at that
 * destination. Immutable apart from the per-rule counters; lookups allocate nothing.
 */
final class RuleSet {
  /** Match the destination port against the ranges. */
  static final int PORTS = 0;

  /** Ports do not matter (ICMP): any destination entry for the address will do. */
  static final int ADDRESSES_ONLY = 1;

  /** A protocol without ports: the destination entry must cover every port. */
  static final int ALL_PORTS = 2;

  /** Sentinel trie value for "in the source set". */
  private static final Object IN = new Object();

  private static final System.Logger LOG = System.getLogger(RuleSet.class.getName());

  final List<FilterRule> source;
  private final long[][] protocols;
  private final AllowedIps<Object>[] sources;
  private final AllowedIps<int[]>[] destinations;

  /** Admissions by rule. */
  final AtomicLongArray accepted;

  /** Packets whose source and destination address a rule matched, but not the port. */
  final AtomicLongArray wrongPort;

  /** Entries skipped as malformed when compiling (each also logged at debug level). */
  final List<String> skipped;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private RuleSet(List<FilterRule> rules) {
    this.source = List.copyOf(rules);
    int n = source.size();
    protocols = new long[n][];
    sources = new AllowedIps[n];
    destinations = new AllowedIps[n];
    List<String> bad = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      FilterRule rule = source.get(r);
      long[] bits = new long[4];
      List<Integer> protos =
          rule.ipProto().isEmpty() ? FilterRule.DEFAULT_PROTOCOLS : rule.ipProto();
      for (Integer p : protos) {
        if (p != null && p >= 0 && p <= 255) {
          bits[p >>> 6] |= 1L << (p & 63);
        }
      }
      protocols[r] = bits;
      AllowedIps<Object> src = new AllowedIps<>();
      for (String s : rule.srcIps()) {
        for (Prefix p : prefixes(s, r, "SrcIPs", bad)) {
          src.insert(p.address(), p.bits(), IN);
        }
      }
      sources[r] = src;
      destinations[r] = destinationTrie(rule, r, bad);
    }
    accepted = new AtomicLongArray(n);
    wrongPort = new AtomicLongArray(n);
    skipped = List.copyOf(bad);
    if (!skipped.isEmpty()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "packet filter: skipped {0} malformed entries, first: {1}",
          skipped.size(),
          skipped.get(0));
    }
  }

  /** Compiles {@code rules}; malformed entries are skipped (see {@link #skipped}), never thrown. */
  static RuleSet compile(List<FilterRule> rules) {
    return new RuleSet(rules == null ? List.of() : rules);
  }

  int size() {
    return source.size();
  }

  private static AllowedIps<int[]> destinationTrie(FilterRule rule, int r, List<String> bad) {
    List<Prefix> prefixes = new ArrayList<>();
    List<int[]> ranges = new ArrayList<>();
    for (FilterRule.NetPortRange d : rule.dstPorts()) {
      if (d == null) {
        continue;
      }
      int first = Math.max(0, d.ports().first());
      int last = Math.min(65535, d.ports().last());
      if (first > last) {
        bad.add(
            "rule "
                + r
                + " DstPorts: empty port range "
                + d.ports().first()
                + "-"
                + d.ports().last());
        continue;
      }
      for (Prefix p : prefixes(d.ip(), r, "DstPorts", bad)) {
        prefixes.add(p);
        ranges.add(new int[] {first, last});
      }
    }
    // Longest-prefix match returns one value per address: give each prefix the ranges of every
    // entry whose prefix contains it, so the most specific answer is also the complete one.
    AllowedIps<int[]> trie = new AllowedIps<>();
    List<Prefix> done = new ArrayList<>();
    for (Prefix p : prefixes) {
      if (done.contains(p)) {
        continue;
      }
      done.add(p);
      List<int[]> union = new ArrayList<>();
      for (int i = 0; i < prefixes.size(); i++) {
        Prefix q = prefixes.get(i);
        if (q.isIpv4() == p.isIpv4() && q.bits() <= p.bits() && q.contains(p.address())) {
          union.add(ranges.get(i));
        }
      }
      int[] flat = new int[union.size() * 2];
      for (int i = 0; i < union.size(); i++) {
        flat[2 * i] = union.get(i)[0];
        flat[2 * i + 1] = union.get(i)[1];
      }
      trie.insert(p.address(), p.bits(), flat);
    }
    return trie;
  }

  /** Parses one address form of Tailscale's filter ({@code *}, IP, CIDR, {@code a-b}). */
  static List<Prefix> prefixes(String text, int rule, String field, List<String> bad) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      bad.add(
          "rule "
              + rule
              + " "
              + field
              + " "
              + String.valueOf(text).replaceAll("[^\\x20-\\x7e]", "?")
              + ": "
              + e.getMessage());
      return List.of();
    }
  }

  static List<Prefix> parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty address");
    }
    if (text.equals("*")) {
      return List.of(new Prefix(new byte[4], 0), new Prefix(new byte[16], 0));
    }
    if (text.startsWith("cap:")) {
      throw new IllegalArgumentException("node capabilities are not supported");
    }
    int dash = text.indexOf('-');
    if (dash >= 0) {
      byte[] lo = host(text.substring(0, dash));
      byte[] hi = host(text.substring(dash + 1));
      if (lo.length != hi.length) {
        throw new IllegalArgumentException("range mixes IPv4 and IPv6");
      }
      return range(lo, hi);
    }
    int slash = text.indexOf('/');
    if (slash < 0) {
      byte[] a = host(text);
      return List.of(new Prefix(a, a.length * 8));
    }
    Prefix p = Prefix.parse(text);
    byte[] full = host(text.substring(0, slash));
    if (!Arrays.equals(full, p.address())) {
      throw new IllegalArgumentException("host bits set in a CIDR");
    }
    return List.of(p);
  }

  private static byte[] host(String text) {
    return Prefix.parse(text + (text.indexOf(':') >= 0 ? "/128" : "/32")).address();
  }

  /** The fewest prefixes covering {@code lo..hi} inclusive. */
  private static List<Prefix> range(byte[] lo, byte[] hi) {
    int width = lo.length * 8;
    BigInteger a = new BigInteger(1, lo);
    BigInteger b = new BigInteger(1, hi);
    if (a.compareTo(b) > 0) {
      throw new IllegalArgumentException("range end before its start");
    }
    List<Prefix> out = new ArrayList<>();
    while (a.compareTo(b) <= 0) {
      int bits = a.signum() == 0 ? width : Math.min(width, a.getLowestSetBit());
      while (bits > 0
          && a.add(BigInteger.ONE.shiftLeft(bits)).subtract(BigInteger.ONE).compareTo(b) > 0) {
        bits--;
      }
      out.add(new Prefix(bytes(a, lo.length), width - bits));
      a = a.add(BigInteger.ONE.shiftLeft(bits));
    }
    return out;
  }

  private static byte[] bytes(BigInteger v, int len) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[len];
    int n = Math.min(len, raw.length);
    System.arraycopy(raw, raw.length - n, out, len - n, n);
    return out;
  }

  /**
   * The first rule admitting the packet (its index), or a negative {@link FilterStats} drop reason:
   * {@code -NO_RULE}, {@code -WRONG_PORT} or {@code -WRONG_PROTOCOL}. Counts the admission or the
   * wrong-port miss on the rules concerned.
   *
   * @param src the source address (4 or 16 bytes at offset 0 of a scratch array)
   * @param dst the destination address, same length
   */
  int match(byte[] src, byte[] dst, int addrLen, int proto, int port, int mode) {
    boolean addressMatched = false;
    boolean protoMatched = false;
    int wrongPortRule = -1;
    for (int r = 0; r < protocols.length; r++) {
      if (sources[r].lookup(src, 0, addrLen) == null) {
        continue;
      }
      final int[] ranges = destinations[r].lookup(dst, 0, addrLen);
      if (ranges == null) {
        continue;
      }
      addressMatched = true;
      if ((protocols[r][proto >>> 6] & (1L << (proto & 63))) == 0) {
        continue;
      }
      protoMatched = true;
      if (mode == ADDRESSES_ONLY) {
        accepted.incrementAndGet(r);
        return r;
      }
      for (int i = 0; i < ranges.length; i += 2) {
        if (mode == PORTS
            ? ranges[i] <= port && port <= ranges[i + 1]
            : ranges[i] == 0 && ranges[i + 1] == 65535) {
          accepted.incrementAndGet(r);
          return r;
        }
      }
      if (wrongPortRule < 0) {
        wrongPortRule = r;
      }
    }
    if (wrongPortRule >= 0) {
      wrongPort.incrementAndGet(wrongPortRule);
      return -FilterStats.WRONG_PORT;
    }
    if (addressMatched && !protoMatched) {
      return -FilterStats.WRONG_PROTOCOL;
    }
    return -FilterStats.NO_RULE;
  }

  /**
   * In words, which rule admits a new {@code proto} connection from {@code src} to {@code dst:port}
   * (addresses of one family), or why none does. Counts nothing.
   */
  String explain(byte[] src, byte[] dst, int proto, int port, int mode) {
    int len = src.length;
    List<String> near = new ArrayList<>();
    boolean addressMatched = false;
    for (int r = 0; r < protocols.length; r++) {
      if (sources[r].lookup(src, 0, len) == null) {
        continue;
      }
      final int[] ranges = destinations[r].lookup(dst, 0, len);
      if (ranges == null) {
        continue;
      }
      addressMatched = true;
      if ((protocols[r][proto >>> 6] & (1L << (proto & 63))) == 0) {
        near.add("rule " + r + " covers the addresses but only protocols " + protocolsOf(r));
        continue;
      }
      if (mode == ADDRESSES_ONLY) {
        return "accepted by rule " + r + " (" + text(r) + "): ICMP needs only the addresses";
      }
      StringBuilder open = new StringBuilder();
      for (int i = 0; i < ranges.length; i += 2) {
        if (mode == PORTS
            ? ranges[i] <= port && port <= ranges[i + 1]
            : ranges[i] == 0 && ranges[i + 1] == 65535) {
          return "accepted by rule " + r + " (" + text(r) + ")";
        }
        open.append(open.isEmpty() ? "" : ", ")
            .append(
                ranges[i] == ranges[i + 1]
                    ? Integer.toString(ranges[i])
                    : ranges[i] + "-" + ranges[i + 1]);
      }
      near.add(
          mode == PORTS
              ? "wrong port: rule " + r + " opens only port(s) " + open + " at this destination"
              : "rule " + r + " does not open every port, which a protocol without ports needs");
    }
    if (protocols.length == 0) {
      return "dropped: no rules installed (default deny)";
    }
    if (!addressMatched) {
      return "dropped: no rule: none of the "
          + protocols.length
          + " rules has this source and destination address";
    }
    return "dropped: " + String.join("; ", near);
  }

  private String protocolsOf(int r) {
    List<Integer> p = source.get(r).ipProto();
    return (p.isEmpty() ? FilterRule.DEFAULT_PROTOCOLS : p).toString();
  }

  private String text(int r) {
    FilterRule rule = source.get(r);
    StringBuilder b =
        new StringBuilder("from ").append(String.join(",", rule.srcIps())).append(" to ");
    for (int i = 0; i < rule.dstPorts().size(); i++) {
      FilterRule.NetPortRange d = rule.dstPorts().get(i);
      b.append(i == 0 ? "" : ",")
          .append(d.ip())
          .append(':')
          .append(
              d.ports().first() == d.ports().last()
                  ? Integer.toString(d.ports().first())
                  : d.ports().first() + "-" + d.ports().last());
    }
    if (!rule.ipProto().isEmpty()) {
      b.append(" proto ").append(rule.ipProto());
    }
    return b.toString().replaceAll("[^\\x20-\\x7e]", "?");
  }
}
