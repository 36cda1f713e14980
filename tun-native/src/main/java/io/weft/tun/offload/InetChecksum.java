package io.weft.tun.offload;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of 16-bit
 * big-endian words. {@link #sum} accumulates into a {@code long} without folding, so sums of
 * several pieces can be added before one {@link #fold}; every piece but the last must have an even
 * length (an odd byte is the high half of its word).
 */
public final class InetChecksum {
  private InetChecksum() {}

  static final ValueLayout.OfLong BE64 = JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  static final ValueLayout.OfShort BE16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** IP protocol number of TCP. */
  public static final int TCP = 6;

  /**
   * Adds the 16-bit words of {@code m[off, off + len)} to {@code acc}. Safe for any {@code acc}
   * below 2<sup>62</sup> and {@code len} up to 2<sup>28</sup>.
   */
  public static long sum(MemorySegment m, long off, long len, long acc) {
    long i = off;
    final long end = off + len;
    while (end - i >= 8) {
      final long v = m.get(BE64, i);
      acc += (v >>> 32) + (v & 0xffff_ffffL);
      i += 8;
    }
    if (end - i >= 4) {
      acc += m.get(BE32, i) & 0xffff_ffffL;
      i += 4;
    }
    if (end - i >= 2) {
      acc += m.get(BE16, i) & 0xffff;
      i += 2;
    }
    if (i < end) {
      acc += (m.get(JAVA_BYTE, i) & 0xff) << 8;
    }
    return acc;
  }

  /** Folds a sum to 16 bits (not complemented). */
  public static int fold(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) acc;
  }

  /** The checksum field's value for a sum: {@code ~fold(acc)} in 16 bits. */
  public static int checksum(long acc) {
    return ~fold(acc) & 0xffff;
  }

  /**
   * The pseudo-header sum of an IPv4 packet at {@code ip} (addresses at 12..20) for an upper-layer
   * length {@code l4Len} and protocol {@code proto} (RFC 793).
   */
  public static long pseudoV4(MemorySegment m, long ip, int proto, int l4Len) {
    return sum(m, ip + 12, 8, 0) + proto + l4Len;
  }

  /** The pseudo-header sum of an IPv6 packet at {@code ip} (addresses at 8..40) (RFC 8200 8.1). */
  public static long pseudoV6(MemorySegment m, long ip, int proto, int l4Len) {
    return sum(m, ip + 8, 32, 0) + proto + l4Len;
  }

  static int u16(MemorySegment m, long at) {
    return m.get(BE16, at) & 0xffff;
  }

  static void put16(MemorySegment m, long at, int v) {
    m.set(BE16, at, (short) v);
  }

  static int u8(MemorySegment m, long at) {
    return m.get(JAVA_BYTE, at) & 0xff;
  }

  static int i32(MemorySegment m, long at) {
    return m.get(BE32, at);
  }

  static void put32(MemorySegment m, long at, int v) {
    m.set(BE32, at, v);
  }
}
