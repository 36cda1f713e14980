package io.weft.netstack.wire;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 *
 * <p>Sums are kept unfolded in a {@code long} so callers can add regions (pseudo-header, header,
 * payload) before folding once. Summing 32-bit words and folding gives the same result as summing
 * 16-bit words (RFC 1071 section 2, "parallel summation"). Each region must start at an even
 * distance from the start of the checksummed data (an odd trailing byte is the high half of its
 * word).
 *
 * <p>The one implementation in Weft: the netstack, the TUN offloads of {@code tun-native} (GSO
 * split, GRO coalescing) and the agent's ICMP echo all sum here, over arrays, buffers or memory
 * segments.
 */
public final class Checksum {
  private Checksum() {}

  private static final ValueLayout.OfInt BE32 = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfShort BE16 =
      JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /**
   * Adds bytes {@code [offset, offset + length)} of {@code m} to {@code acc}, a 32-bit word a step
   * as the array and buffer overloads do: one loop shape over three kinds of memory. (Summing
   * 64-bit words as two halves measured about five times slower on C2, and viewing arrays and
   * buffers as segments per call a third slower, so each kind keeps its own access.)
   */
  public static long sum(MemorySegment m, long offset, long length, long acc) {
    long i = offset;
    final long end = offset + length;
    final long end4 = end - 3;
    while (i < end4) {
      acc += m.get(BE32, i) & 0xFFFF_FFFFL;
      i += 4;
    }
    if (i + 1 < end) {
      acc += m.get(BE16, i) & 0xFFFF;
      i += 2;
    }
    if (i < end) {
      acc += (m.get(JAVA_BYTE, i) & 0xFF) << 8;
    }
    return acc;
  }

  /** Adds bytes {@code [offset, offset + length)} of {@code buffer} to {@code acc}. */
  public static long sum(ByteBuffer buffer, int offset, int length, long acc) {
    int i = offset;
    final int end = offset + length;
    final int end4 = end - 3;
    while (i < end4) {
      acc += buffer.getInt(i) & 0xFFFF_FFFFL;
      i += 4;
    }
    if (i + 1 < end) {
      acc += buffer.getShort(i) & 0xFFFF;
      i += 2;
    }
    if (i < end) {
      acc += (buffer.get(i) & 0xFF) << 8;
    }
    return acc;
  }

  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  /** Adds bytes {@code [offset, offset + length)} of {@code bytes} to {@code acc}. */
  public static long sum(byte[] bytes, int offset, int length, long acc) {
    int i = offset;
    final int end = offset + length;
    final int end4 = end - 3;
    while (i < end4) {
      acc += (int) INT_BE.get(bytes, i) & 0xFFFF_FFFFL;
      i += 4;
    }
    if (i + 1 < end) {
      acc += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
      i += 2;
    }
    if (i < end) {
      acc += (bytes[i] & 0xFF) << 8;
    }
    return acc;
  }

  /** Folds an accumulated sum to 16 bits (end-around carry). */
  public static int fold(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xFFFF) + (acc >>> 16);
    }
    return (int) acc;
  }

  /** The checksum field value for an accumulated sum. */
  public static int finish(long acc) {
    return ~fold(acc) & 0xFFFF;
  }

  /**
   * The IPv4 pseudo-header sum (RFC 9293 section 3.1, RFC 768): source, destination, zero, protocol
   * and upper-layer length, with the addresses read from the IPv4 header at {@code ipOffset}.
   */
  public static long pseudoHeaderV4(
      ByteBuffer buffer, int ipOffset, int protocol, int upperLength) {
    long acc = buffer.getInt(ipOffset + Ipv4Packet.SOURCE_OFFSET) & 0xFFFF_FFFFL;
    acc += buffer.getInt(ipOffset + Ipv4Packet.DESTINATION_OFFSET) & 0xFFFF_FFFFL;
    return acc + protocol + upperLength;
  }

  /** The IPv6 pseudo-header sum (RFC 8200 section 8.1), addresses read from the IPv6 header. */
  public static long pseudoHeaderV6(
      ByteBuffer buffer, int ipOffset, int protocol, int upperLength) {
    long acc = sum(buffer, ipOffset + Ipv6Packet.SOURCE_OFFSET, 32, 0);
    return acc + protocol + (upperLength & 0xFFFF_FFFFL);
  }

  /** The pseudo-header sum for either IP version, chosen by the version nibble at ipOffset. */
  public static long pseudoHeader(ByteBuffer buffer, int ipOffset, int protocol, int upperLength) {
    return (buffer.get(ipOffset) & 0xF0) == 0x40
        ? pseudoHeaderV4(buffer, ipOffset, protocol, upperLength)
        : pseudoHeaderV6(buffer, ipOffset, protocol, upperLength);
  }

  /**
   * Completes a partial checksum (a TUN's {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}, a NIC's
   * CHECKSUM_PARTIAL): the 16-bit field at {@code start + fieldOffset} holds the folded
   * pseudo-header sum, and the internet checksum of {@code [start, end)} goes there. Does nothing
   * when the range does not fit in the buffer.
   */
  public static void completePartial(ByteBuffer buffer, int start, int fieldOffset, int end) {
    if (start < 0 || fieldOffset < 0 || end > buffer.limit() || start + fieldOffset + 2 > end) {
      return;
    }
    final int field = start + fieldOffset;
    final int seed = buffer.getShort(field) & 0xFFFF;
    buffer.putShort(field, (short) 0);
    buffer.putShort(field, (short) finish(sum(buffer, start, end - start, seed)));
  }
}
