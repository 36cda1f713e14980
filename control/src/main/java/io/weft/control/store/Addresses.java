package io.weft.control.store;

/**
 * The address plan: index {@code i} maps to {@code 100.64.0.0 + i} in 100.64.0.0/10 (RFC 6598
 * shared address space, as Tailscale uses it) and to {@code fd7a:115c:a1e0::} plus {@code i} in
 * the low 32 bits. One index per node keeps the two addresses paired and both unique.
 */
public final class Addresses {
  /** First usable index (100.64.0.1). */
  public static final long FIRST_INDEX = 1;
  /** Last usable index (100.127.255.254). */
  public static final long LAST_INDEX = (1L << 22) - 2;
  /** 100.100.100.100 is kept for a node-local service address, as Tailscale's "quad 100". */
  public static final long RESERVED_QUAD_100 = 0x64646464L - 0x64400000L;

  private static final long V4_BASE = 0x64400000L;

  private Addresses() {}

  /** Whether {@code index} may be handed to a node. */
  public static boolean usable(long index) {
    return index >= FIRST_INDEX && index <= LAST_INDEX && index != RESERVED_QUAD_100;
  }

  /** The IPv4 address of {@code index}, dotted. */
  public static String ipv4(long index) {
    long a = V4_BASE + index;
    return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }

  /** The IPv6 address of {@code index} in RFC 5952 canonical form. */
  public static String ipv6(long index) {
    long hi = (index >>> 16) & 0xffff;
    long lo = index & 0xffff;
    return hi == 0
        ? "fd7a:115c:a1e0::" + Long.toHexString(lo)
        : "fd7a:115c:a1e0::" + Long.toHexString(hi) + ":" + Long.toHexString(lo);
  }
}
