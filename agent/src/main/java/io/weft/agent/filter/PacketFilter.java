package io.weft.agent.filter;

import io.weft.agent.pipeline.Packet;
import io.weft.agent.pipeline.PacketHook;
import io.weft.control.protocol.FilterRule;
import io.weft.netstack.wire.IpProtocol;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The node's stateful, default-deny inbound packet filter: the {@link PacketHook}s of the
 * pipeline's filter stage ({@link #inbound()}, {@link #outbound()}). See the package documentation
 * for what is admitted.
 */
public final class PacketFilter {
  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;

  /** Table sizes (buckets, powers of two, of {@link FlowTable#WAYS} flows) and idle timeouts. */
  public record Config(
      int tcpBuckets, int otherBuckets, Duration tcpIdle, Duration udpIdle, Duration icmpIdle) {
    /** 8,192 TCP and 8,192 UDP/ICMP flows; idle 1 h (TCP), 2 min (UDP), 30 s (ICMP echo). */
    public static final Config DEFAULT =
        new Config(1024, 1024, Duration.ofHours(1), Duration.ofMinutes(2), Duration.ofSeconds(30));
  }

  private final LongSupplier nanoClock;
  private final FlowTable tcp;
  private final FlowTable other;
  private final long tcpTtl;
  private final long udpTtl;
  private final long icmpTtl;
  private final FilterStats stats = new FilterStats();
  private volatile RuleSet rules = RuleSet.compile(List.of());
  private volatile boolean received;
  // Scratch for the inbound hook (the pipeline runs it under its write lock, one at a time).
  private final byte[] src = new byte[16];
  private final byte[] dst = new byte[16];
  private final PacketHook inbound = this::onInbound;
  private final PacketHook outbound = this::onOutbound;

  /** A filter with no rules (denies every new inbound connection) on {@code nanoClock}. */
  public PacketFilter(Config config, LongSupplier nanoClock) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.tcp = new FlowTable(config.tcpBuckets());
    this.other = new FlowTable(config.otherBuckets());
    this.tcpTtl = config.tcpIdle().toNanos();
    this.udpTtl = config.udpIdle().toNanos();
    this.icmpTtl = config.icmpIdle().toNanos();
  }

  /** A filter with the default tables on {@link System#nanoTime()}. */
  public PacketFilter() {
    this(Config.DEFAULT, System::nanoTime);
  }

  /**
   * Installs a new rule set atomically; tracked flows are kept, so connections established under
   * the old rules go on. Null (a server that sent no filter) is the same as no rules: default deny.
   */
  public void update(List<FilterRule> newRules) {
    if (newRules == null ? !received : received && newRules.equals(rules.source)) {
      return; // unchanged (most maps): keep the compiled set and its counters
    }
    rules = RuleSet.compile(newRules);
    received = newRules != null;
  }

  /** The rules installed (empty before any arrived). */
  public List<FilterRule> rules() {
    return rules.source;
  }

  /** Whether the server has sent a filter at all. */
  public boolean received() {
    return received;
  }

  /** Admissions by rule, in {@link #rules()} order. */
  public long[] acceptedByRule() {
    RuleSet r = rules;
    long[] out = new long[r.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.accepted.get(i);
    }
    return out;
  }

  /** Wrong-port drops by the rule that matched the addresses, in {@link #rules()} order. */
  public long[] wrongPortByRule() {
    RuleSet r = rules;
    long[] out = new long[r.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = r.wrongPort.get(i);
    }
    return out;
  }

  /** Entries of the installed rules skipped as malformed. */
  public List<String> skippedEntries() {
    return rules.skipped;
  }

  /** The counters. */
  public FilterStats stats() {
    return stats;
  }

  /** Live flows evicted from a full table (TCP plus UDP/ICMP). */
  public long evictions() {
    return tcp.evictions() + other.evictions();
  }

  /** Flows held (TCP plus UDP/ICMP). */
  public long flows() {
    return tcp.size() + other.size();
  }

  /** The inbound hook: the verdict on a decrypted packet from a peer. */
  public PacketHook inbound() {
    return inbound;
  }

  /** The outbound hook: always accepts, recording the flow so that its replies are admitted. */
  public PacketHook outbound() {
    return outbound;
  }

  private int drop(int reason) {
    stats.count(reason);
    return PacketHook.DROP;
  }

  private int accept(int reason) {
    stats.count(reason);
    return PacketHook.ACCEPT;
  }

  private int onInbound(Packet p) {
    if (p.version() == 6 && p.transportOffset() < 0) {
      return ipv6Fragment(p);
    }
    return decide(
        p.version(),
        p.protocol(),
        p.transportOffset(),
        p.source4(),
        p.destination4(),
        p.sourceHi(),
        p.sourceLo(),
        p.destinationHi(),
        p.destinationLo(),
        p.sourcePort(),
        p.destinationPort(),
        p.tcpFlags(),
        p.icmpType(),
        p.icmpIdentifier(),
        src,
        dst);
  }

  /**
   * An IPv6 fragment, which the pipeline's parse leaves without a transport header. A later
   * fragment is admitted (its first one was judged); the first one is judged by the transport
   * header after its fragment header, so that a new connection cannot hide in a fragment. A
   * fragment header behind other extension headers is not looked into: dropped as malformed.
   */
  private int ipv6Fragment(Packet p) {
    final java.nio.ByteBuffer b = p.buffer();
    final int o = p.offset();
    final int len = p.length();
    if (len < 48 || (b.get(o + 6) & 0xff) != 44) {
      return drop(FilterStats.MALFORMED);
    }
    if ((b.getShort(o + 42) & 0xfff8) != 0) {
      return accept(FilterStats.ACCEPT_FRAGMENT);
    }
    final int proto = b.get(o + 40) & 0xff;
    final int t = o + 48;
    final int avail = len - 48;
    int sport = -1;
    int dport = -1;
    int flags = -1;
    int type = -1;
    int id = -1;
    if (proto == IpProtocol.TCP && avail >= 14) {
      sport = b.getShort(t) & 0xffff;
      dport = b.getShort(t + 2) & 0xffff;
      flags = b.get(t + 13) & 0xff;
    } else if (proto == IpProtocol.UDP && avail >= 4) {
      sport = b.getShort(t) & 0xffff;
      dport = b.getShort(t + 2) & 0xffff;
    } else if (proto == IpProtocol.ICMPV6 && avail >= 6) {
      type = b.get(t) & 0xff;
      id = b.getShort(t + 4) & 0xffff;
    }
    return decide(
        6,
        proto,
        t,
        0,
        0,
        p.sourceHi(),
        p.sourceLo(),
        p.destinationHi(),
        p.destinationLo(),
        sport,
        dport,
        flags,
        type,
        id,
        src,
        dst);
  }

  /** The inbound decision, from the parsed fields. */
  private int decide(
      int version,
      int proto,
      int transport,
      int s4,
      int d4,
      long sHi,
      long sLo,
      long dHi,
      long dLo,
      int sport,
      int dport,
      int flags,
      int icmpType,
      int icmpId,
      byte[] s,
      byte[] d) {
    if (version == 0) {
      return drop(FilterStats.MALFORMED);
    }
    if (transport < 0) {
      return accept(FilterStats.ACCEPT_FRAGMENT); // checked with its first fragment
    }
    final int len;
    if (version == 4) {
      sHi = 0;
      sLo = s4 & 0xffffffffL;
      dHi = 0;
      dLo = d4 & 0xffffffffL;
      INT_BE.set(s, 0, s4);
      INT_BE.set(d, 0, d4);
      len = 4;
    } else {
      LONG_BE.set(s, 0, sHi);
      LONG_BE.set(s, 8, sLo);
      LONG_BE.set(d, 0, dHi);
      LONG_BE.set(d, 8, dLo);
      len = 16;
    }
    final long now = nanoClock.getAsLong();
    final RuleSet r = rules;
    switch (proto) {
      case IpProtocol.TCP -> {
        if (sport < 0) {
          return drop(FilterStats.MALFORMED);
        }
        final long m = FlowTable.meta(version, proto, sport, dport);
        if (tcp.touch(m, sHi, sLo, dHi, dLo, now, tcpTtl)) {
          return accept(FilterStats.ACCEPT_FLOW);
        }
        if ((flags & (SYN | ACK)) != SYN) {
          return drop(FilterStats.NOT_NEW);
        }
        final int v = r.match(s, d, len, proto, dport, RuleSet.PORTS);
        if (v < 0) {
          return drop(-v);
        }
        tcp.put(m, sHi, sLo, dHi, dLo, now, tcpTtl);
        return accept(FilterStats.ACCEPT_RULE);
      }
      case IpProtocol.UDP -> {
        if (sport < 0) {
          return drop(FilterStats.MALFORMED);
        }
        final long m = FlowTable.meta(version, proto, sport, dport);
        if (other.touch(m, sHi, sLo, dHi, dLo, now, udpTtl)) {
          return accept(FilterStats.ACCEPT_FLOW);
        }
        final int v = r.match(s, d, len, proto, dport, RuleSet.PORTS);
        if (v < 0) {
          return drop(-v);
        }
        other.put(m, sHi, sLo, dHi, dLo, now, udpTtl);
        return accept(FilterStats.ACCEPT_RULE);
      }
      case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
        if (icmpType < 0) {
          return drop(FilterStats.MALFORMED);
        }
        if (isEchoReply(proto, icmpType)) {
          final long m = FlowTable.meta(version, proto, icmpId, 0);
          return other.touch(m, sHi, sLo, dHi, dLo, now, icmpTtl)
              ? accept(FilterStats.ACCEPT_FLOW)
              : drop(FilterStats.NOT_NEW);
        }
        if (isError(proto, icmpType)) {
          return accept(FilterStats.ACCEPT_ICMP_ERROR);
        }
        final int v = r.match(s, d, len, proto, 0, RuleSet.ADDRESSES_ONLY);
        return v < 0 ? drop(-v) : accept(FilterStats.ACCEPT_RULE);
      }
      default -> {
        final int v = r.match(s, d, len, proto, 0, RuleSet.ALL_PORTS);
        return v < 0 ? drop(-v) : accept(FilterStats.ACCEPT_RULE);
      }
    }
  }

  private static boolean isEchoReply(int proto, int type) {
    return proto == IpProtocol.ICMP ? type == 0 : type == 129;
  }

  private static boolean isEchoRequest(int proto, int type) {
    return proto == IpProtocol.ICMP ? type == 8 : type == 128;
  }

  private static boolean isError(int proto, int type) {
    return proto == IpProtocol.ICMP
        ? type == 3 || type == 11 || type == 12
        : type >= 1 && type <= 4;
  }

  private int onOutbound(Packet p) {
    stats.count(FilterStats.OUTBOUND);
    final int version = p.version();
    if (version == 0 || p.transportOffset() < 0) {
      return PacketHook.ACCEPT;
    }
    final long rHi;
    final long rLo;
    final long lHi;
    final long lLo;
    if (version == 4) {
      rHi = 0;
      rLo = p.destination4() & 0xffffffffL;
      lHi = 0;
      lLo = p.source4() & 0xffffffffL;
    } else {
      rHi = p.destinationHi();
      rLo = p.destinationLo();
      lHi = p.sourceHi();
      lLo = p.sourceLo();
    }
    final int proto = p.protocol();
    switch (proto) {
      case IpProtocol.TCP -> {
        if (p.sourcePort() >= 0) {
          // The key an inbound reply will have: from the remote end to us.
          tcp.put(
              FlowTable.meta(version, proto, p.destinationPort(), p.sourcePort()),
              rHi,
              rLo,
              lHi,
              lLo,
              nanoClock.getAsLong(),
              tcpTtl);
        }
      }
      case IpProtocol.UDP -> {
        if (p.sourcePort() >= 0) {
          other.put(
              FlowTable.meta(version, proto, p.destinationPort(), p.sourcePort()),
              rHi,
              rLo,
              lHi,
              lLo,
              nanoClock.getAsLong(),
              udpTtl);
        }
      }
      case IpProtocol.ICMP, IpProtocol.ICMPV6 -> {
        if (isEchoRequest(proto, p.icmpType())) {
          other.put(
              FlowTable.meta(version, proto, p.icmpIdentifier(), 0),
              rHi,
              rLo,
              lHi,
              lLo,
              nanoClock.getAsLong(),
              icmpTtl);
        }
      }
      default -> {}
    }
    return PacketHook.ACCEPT;
  }

  /**
   * {@code weft debug trace}: in words, what the installed rules do with a new connection (TCP SYN,
   * UDP datagram, ICMP echo request, or another protocol's packet) from {@code src} to {@code
   * dst:port}. Reads the rules only: no counter moves, no flow is created.
   */
  public String trace(java.net.InetAddress src, java.net.InetAddress dst, int port, int proto) {
    byte[] s = src.getAddress();
    byte[] d = dst.getAddress();
    if (s.length != d.length) {
      return "dropped: source and destination are of different address families";
    }
    if (proto < 0 || proto > 255) {
      return "not an IP protocol number: " + proto;
    }
    int mode =
        switch (proto) {
          case IpProtocol.TCP, IpProtocol.UDP -> RuleSet.PORTS;
          case IpProtocol.ICMP, IpProtocol.ICMPV6 -> RuleSet.ADDRESSES_ONLY;
          default -> RuleSet.ALL_PORTS;
        };
    String verdict = rules.explain(s, d, proto, port, mode);
    String prefix = received ? "" : "(no filter received from the server yet) ";
    return prefix + verdict + ". Replies to connections this node opens are admitted regardless.";
  }
}
