package io.weft.tun.offload;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import io.weft.netstack.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The offloads' view of the Internet checksum (RFC 1071), computed by the netstack's one
 * implementation ({@link Checksum}), and their big-endian accessors over memory segments. {@link
 * #sum} accumulates into a {@code long} without folding, so sums of several pieces can be added
 * before one {@link #fold}; every piece but the last must have an even length.
 */
public final class InetChecksum {
  private InetChecksum() {}

  static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  static final ValueLayout.OfShort BE16 = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** IP protocol number of TCP. */
  public static final int TCP = 6;

  /** Adds the 16-bit words of {@code m[off, off + len)} to {@code acc} ({@link Checksum#sum}). */
  public static long sum(MemorySegment m, long off, long len, long acc) {
    return Checksum.sum(m, off, len, acc);
  }

  /** Folds a sum to 16 bits (not complemented). */
  public static int fold(long acc) {
    return Checksum.fold(acc);
  }

  /** The checksum field's value for a sum: {@code ~fold(acc)} in 16 bits. */
  public static int checksum(long acc) {
    return Checksum.finish(acc);
  }

  /**
   * The pseudo-header sum of an IPv4 packet at {@code ip} (addresses at 12..20) for an upper-layer
   * length {@code l4Len} and protocol {@code proto} (RFC 793).
   */
  public static long pseudoV4(MemorySegment m, long ip, int proto, int l4Len) {
    return Checksum.sum(m, ip + 12, 8, 0) + proto + l4Len;
  }

  /** The pseudo-header sum of an IPv6 packet at {@code ip} (addresses at 8..40) (RFC 8200 8.1). */
  public static long pseudoV6(MemorySegment m, long ip, int proto, int l4Len) {
    return Checksum.sum(m, ip + 8, 32, 0) + proto + l4Len;
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
