package io.weft.control.store;

import io.weft.control.protocol.MeshPrefixes;
import io.weft.wg.allowedips.Prefix;

/**
 * The address plan: index {@code i} maps to {@code 100.64.0.0 + i} in 100.64.0.0/10 (RFC 6598
 * shared address space, as Tailscale uses it) and to {@code fd7a:115c:a1e0::} plus {@code i} in the
 * low 32 bits. One index per node keeps the two addresses paired and both unique.
 */
public final class Addresses {
  /** First usable index (100.64.0.1). */
  public static final long FIRST_INDEX = 1;

  /** Last usable index (100.127.255.254). */
  public static final long LAST_INDEX = (1L << 22) - 2;

  /** 100.100.100.100 is kept for a node-local service address, as Tailscale's "quad 100". */
  public static final long RESERVED_QUAD_100 = 0x64646464L - 0x64400000L;

  private static final byte[] V4_BASE = MeshPrefixes.V4.address();
  private static final byte[] V6_BASE = MeshPrefixes.V6.address();

  private Addresses() {}

  /** Whether {@code index} may be handed to a node. */
  public static boolean usable(long index) {
    return index >= FIRST_INDEX && index <= LAST_INDEX && index != RESERVED_QUAD_100;
  }

  /** The IPv4 address of {@code index}, dotted. */
  public static String ipv4(long index) {
    return Prefix.addressText(plus(V4_BASE, index));
  }

  /** The IPv6 address of {@code index} in RFC 5952 canonical form. */
  public static String ipv6(long index) {
    return Prefix.addressText(plus(V6_BASE, index));
  }

  /** {@code base} with {@code index} added to its low 32 bits (the plan's indexes fit in 22). */
  private static byte[] plus(byte[] base, long index) {
    final byte[] a = base.clone();
    final int n = a.length;
    long low =
        ((a[n - 4] & 0xffL) << 24
                | (a[n - 3] & 0xff) << 16
                | (a[n - 2] & 0xff) << 8
                | (a[n - 1] & 0xff))
            + index;
    for (int i = 1; i <= 4; i++) {
      a[n - i] = (byte) low;
      low >>>= 8;
    }
    return a;
  }
}
