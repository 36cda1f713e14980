package io.weft.netstack.iface;

import io.weft.netstack.wire.IpAddress;

/**
 * Addresses and limits of an interface.
 *
 * @param ipv4 the IPv4 address, or null for none
 * @param ipv6 the IPv6 address, or null for none
 * @param mtu the largest IP packet the link carries (at least 1280, RFC 8200 section 5)
 * @param reassemblySlots IPv4 datagrams reassembled at once (each up to 64 KiB)
 * @param reassemblyTimeoutNanos how long an incomplete datagram is kept
 */
public record InterfaceConfig(
    IpAddress ipv4, IpAddress ipv6, int mtu, int reassemblySlots, long reassemblyTimeoutNanos) {

  public InterfaceConfig {
    if (ipv4 != null && !ipv4.isV4()) {
      throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
    }
    if (ipv6 != null && ipv6.isV4()) {
      throw new IllegalArgumentException("not an IPv6 address: " + ipv6);
    }
    if (mtu < 1280 || mtu > 65535) {
      throw new IllegalArgumentException("MTU out of range: " + mtu);
    }
  }

  /** MTU 1420 (WireGuard's default), 4 reassembly slots, 30 s reassembly timeout. */
  public static InterfaceConfig of(IpAddress ipv4, IpAddress ipv6) {
    return new InterfaceConfig(ipv4, ipv6, 1420, 4, 30_000_000_000L);
  }

  public InterfaceConfig withMtu(int value) {
    return new InterfaceConfig(ipv4, ipv6, value, reassemblySlots, reassemblyTimeoutNanos);
  }
}
