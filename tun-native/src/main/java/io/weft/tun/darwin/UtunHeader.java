package io.weft.tun.darwin;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 4-byte header before every packet on a utun socket: the packet's protocol family as a 32-bit
 * integer in network byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        protocol family: AF_INET (2) or AF_INET6 (30)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    IP packet ...                              |
 * </pre>
 */
public final class UtunHeader {
  private UtunHeader() {}

  public static final int LENGTH = 4;

  /** Darwin's {@code AF_INET}. */
  public static final int AF_INET = 2;

  /** Darwin's {@code AF_INET6} (Linux's is 10). */
  public static final int AF_INET6 = 30;

  private static final ValueLayout.OfInt FAMILY =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /**
   * The family for an IP packet that starts with {@code firstByte} (its version nibble), or -1 for
   * anything but IPv4 and IPv6.
   */
  public static int familyOf(byte firstByte) {
    return switch ((firstByte >> 4) & 0xf) {
      case 4 -> AF_INET;
      case 6 -> AF_INET6;
      default -> -1;
    };
  }

  /** Writes {@code family} as the header at the start of {@code header}. */
  public static void put(MemorySegment header, int family) {
    header.set(FAMILY, 0, family);
  }

  /** The family in the header at the start of {@code header}. */
  public static int get(MemorySegment header) {
    return header.get(FAMILY, 0);
  }
}
