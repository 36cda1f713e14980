package io.weft.agent.flowlog;

import io.weft.agent.pipeline.Packet;
import io.weft.netstack.wire.IpProtocol;

/**
 * The flows a node is carrying, in primitive arrays (open addressing, linear probing,
 * backward-shift deletion): nothing is allocated per packet. A flow is stored oriented from the
 * side that sent its first packet (the initiator, {@code a}) to the other ({@code b}); a packet is
 * looked up both ways. When the table is full a packet of a new flow is counted in {@link
 * #overflowed()} and not tracked. Not thread-safe: {@link FlowLog} serialises access.
 */
final class FlowTable {
  static final int FIN_A = 1;
  static final int FIN_B = 2;
  static final int RST = 4;
  static final int DROPPED = 8;
  static final int LOCAL = 16; // this node started the flow

  private static final int TCP_FIN = 0x01;
  private static final int TCP_RST = 0x04;

  final int capacity;
  private final int mask;
  private final int limit;
  int size;
  private long overflowed;

  final boolean[] used;
  final int[] hash;
  final int[] version;
  final int[] proto;
  final long[] aHi;
  final long[] aLo;
  final long[] bHi;
  final long[] bLo;
  final int[] aPort;
  final int[] bPort;
  final long[] first;
  final long[] last;
  final long[] fwdPackets;
  final long[] fwdBytes;
  final long[] revPackets;
  final long[] revBytes;
  final int[] flags;
  final int[] rule;
  final long[] reported;

  /**
   * A table of at most {@code maxFlows} flows (the arrays are sized to twice that, a power of 2).
   */
  FlowTable(int maxFlows) {
    if (maxFlows < 1 || maxFlows > 1 << 24) {
      throw new IllegalArgumentException("maxFlows out of range: " + maxFlows);
    }
    int cap = Integer.highestOneBit(maxFlows * 2 - 1) << 1;
    capacity = cap;
    mask = cap - 1;
    limit = maxFlows;
    used = new boolean[cap];
    hash = new int[cap];
    version = new int[cap];
    proto = new int[cap];
    aHi = new long[cap];
    aLo = new long[cap];
    bHi = new long[cap];
    bLo = new long[cap];
    aPort = new int[cap];
    bPort = new int[cap];
    first = new long[cap];
    last = new long[cap];
    fwdPackets = new long[cap];
    fwdBytes = new long[cap];
    revPackets = new long[cap];
    revBytes = new long[cap];
    flags = new int[cap];
    rule = new int[cap];
    reported = new long[cap];
  }

  /** Packets of new flows not tracked because the table was full. */
  long overflowed() {
    return overflowed;
  }

  /**
   * Counts {@code p} at time {@code now}; {@code droppedRule} is -2 for an accepted packet, else
   * the rule that dropped it (-1 when none was named). Returns the slot, or -1 when not tracked.
   */
  int account(Packet p, long now, int droppedRule) {
    final int v = p.version();
    if (v == 0) {
      return -1;
    }
    final long sHi;
    final long sLo;
    final long dHi;
    final long dLo;
    if (v == 4) {
      sHi = 0;
      sLo = p.source4() & 0xffffffffL;
      dHi = 0;
      dLo = p.destination4() & 0xffffffffL;
    } else {
      sHi = p.sourceHi();
      sLo = p.sourceLo();
      dHi = p.destinationHi();
      dLo = p.destinationLo();
    }
    final int pr = p.protocol();
    int sp;
    int dp;
    if (pr == IpProtocol.ICMP || pr == IpProtocol.ICMPV6) {
      final int t = p.icmpType();
      final boolean echo = pr == IpProtocol.ICMP ? (t == 8 || t == 0) : (t == 128 || t == 129);
      sp = dp = echo ? p.icmpIdentifier() : -1;
    } else {
      sp = p.sourcePort();
      dp = p.destinationPort();
    }
    boolean forward = true;
    int h = hash(v, pr, sHi, sLo, dHi, dLo, sp, dp);
    int i = find(h, v, pr, sHi, sLo, dHi, dLo, sp, dp);
    if (i < 0) {
      final int rh = hash(v, pr, dHi, dLo, sHi, sLo, dp, sp);
      i = find(rh, v, pr, dHi, dLo, sHi, sLo, dp, sp);
      if (i >= 0) {
        forward = false;
      } else {
        if (size >= limit) {
          overflowed++;
          return -1;
        }
        i = h & mask;
        while (used[i]) {
          i = (i + 1) & mask;
        }
        used[i] = true;
        size++;
        hash[i] = h;
        version[i] = v;
        proto[i] = pr;
        aHi[i] = sHi;
        aLo[i] = sLo;
        bHi[i] = dHi;
        bLo[i] = dLo;
        aPort[i] = sp;
        bPort[i] = dp;
        first[i] = now;
        reported[i] = now;
        fwdPackets[i] = fwdBytes[i] = revPackets[i] = revBytes[i] = 0;
        flags[i] = p.direction() == Packet.OUTBOUND ? LOCAL : 0;
        rule[i] = -1;
      }
    }
    last[i] = now;
    if (forward) {
      fwdPackets[i]++;
      fwdBytes[i] += p.length();
    } else {
      revPackets[i]++;
      revBytes[i] += p.length();
    }
    if (droppedRule != -2) {
      flags[i] |= DROPPED;
      rule[i] = droppedRule;
    }
    if (pr == IpProtocol.TCP) {
      final int f = p.tcpFlags();
      if (f >= 0) {
        if ((f & TCP_RST) != 0) {
          flags[i] |= RST;
        } else if ((f & TCP_FIN) != 0) {
          flags[i] |= forward ? FIN_A : FIN_B;
        }
      }
    }
    return i;
  }

  /** Whether slot {@code i}'s flow has ended by TCP: a RST, or a FIN each way. */
  boolean closed(int i) {
    final int f = flags[i];
    return (f & RST) != 0 || (f & (FIN_A | FIN_B)) == (FIN_A | FIN_B);
  }

  private int find(int h, int v, int pr, long sHi, long sLo, long dHi, long dLo, int sp, int dp) {
    int i = h & mask;
    while (used[i]) {
      if (hash[i] == h
          && aLo[i] == sLo
          && bLo[i] == dLo
          && aPort[i] == sp
          && bPort[i] == dp
          && proto[i] == pr
          && version[i] == v
          && aHi[i] == sHi
          && bHi[i] == dHi) {
        return i;
      }
      i = (i + 1) & mask;
    }
    return -1;
  }

  private static int hash(int v, int pr, long sHi, long sLo, long dHi, long dLo, int sp, int dp) {
    long x = sHi * 0x9E3779B97F4A7C15L;
    x = (x ^ sLo) * 0xC2B2AE3D27D4EB4FL;
    x = (x ^ dHi) * 0x165667B19E3779F9L;
    x = (x ^ dLo) * 0x9E3779B97F4A7C15L;
    x = (x ^ (((long) sp << 32) | (dp & 0xffffffffL))) * 0xC2B2AE3D27D4EB4FL;
    x ^= (long) pr << 8 | v;
    x ^= x >>> 33;
    x *= 0xFF51AFD7ED558CCDL;
    x ^= x >>> 33;
    return (int) x;
  }

  /**
   * Removes slot {@code i}, moving later entries of its probe run back so that lookups still find
   * them. The entry that ends up in {@code i} (if any) has not been seen by a scan going upwards
   * from {@code i} unless it wrapped around: a scanner should look at {@code i} again.
   */
  void remove(int i) {
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (!used[j]) {
        break;
      }
      final int home = hash[j] & mask;
      // Entry j may fill the hole when its home is not cyclically within (hole, j].
      final boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) {
        continue;
      }
      move(j, hole);
      hole = j;
    }
    used[hole] = false;
    size--;
  }

  private void move(int from, int to) {
    used[to] = true;
    hash[to] = hash[from];
    version[to] = version[from];
    proto[to] = proto[from];
    aHi[to] = aHi[from];
    aLo[to] = aLo[from];
    bHi[to] = bHi[from];
    bLo[to] = bLo[from];
    aPort[to] = aPort[from];
    bPort[to] = bPort[from];
    first[to] = first[from];
    last[to] = last[from];
    fwdPackets[to] = fwdPackets[from];
    fwdBytes[to] = fwdBytes[from];
    revPackets[to] = revPackets[from];
    revBytes[to] = revBytes[from];
    flags[to] = flags[from];
    rule[to] = rule[from];
    reported[to] = reported[from];
  }
}
