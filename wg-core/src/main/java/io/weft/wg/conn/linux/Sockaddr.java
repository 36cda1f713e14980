package io.weft.wg.conn.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_in6}, the one address form a dual-stack socket speaks (IPv4 peers appear
 * as {@code ::ffff:a.b.c.d}).
 *
 * <pre>
 *  0      2      4            8                          24         28
 *  +------+------+------------+--------------------------+----------+
 *  |family| port | flowinfo   | address (16 bytes)       | scope id |
 *  +------+------+------------+--------------------------+----------+
 *           (network order)
 * </pre>
 *
 * <p>Addresses are compared as two {@code long}s read in native order (never interpreted), the port
 * as the raw network-order {@code short}.
 */
final class Sockaddr {
  private Sockaddr() {}

  static final int SIZE = 28;

  /** Room per address in arrays of them (keeps each 8-byte aligned). */
  static final int STRIDE = 32;

  static final int FAMILY = 0;
  static final int PORT = 2;
  static final int FLOWINFO = 4;
  static final int ADDR_HI = 8;
  static final int ADDR_LO = 16;
  static final int SCOPE_ID = 24;

  private static final ValueLayout.OfShort PORT_LAYOUT =
      JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** Writes {@code [::]:port} at {@code at}. */
  static void writeAny(MemorySegment s, int port) {
    write(s, 0, 0L, 0L, rawPort(port), 0);
  }

  /** Writes an address at {@code at}, fields as {@link SockaddrEndpoint} keeps them. */
  static void write(MemorySegment s, long at, long hi, long lo, short rawPort, int scopeId) {
    s.set(JAVA_SHORT, at + FAMILY, (short) Syscalls.AF_INET6);
    s.set(JAVA_SHORT, at + PORT, rawPort);
    s.set(JAVA_INT, at + FLOWINFO, 0);
    s.set(JAVA_LONG_UNALIGNED, at + ADDR_HI, hi);
    s.set(JAVA_LONG_UNALIGNED, at + ADDR_LO, lo);
    s.set(JAVA_INT, at + SCOPE_ID, scopeId);
  }

  /** The port of the address at {@code at}, as a number. */
  static int port(MemorySegment s, long at) {
    return Short.toUnsignedInt(s.get(PORT_LAYOUT, at + PORT));
  }

  /** {@code port} as the network-order {@code short} a native-order read of the field returns. */
  static short rawPort(int port) {
    final short p = (short) port;
    return ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? p : Short.reverseBytes(p);
  }
}
