package io.weft.control.protocol;

import io.weft.wg.allowedips.Prefix;
import java.net.InetAddress;

/**
 * The mesh's address ranges, as Tailscale uses them: every node's addresses are drawn from these,
 * so the node routes them into the tunnel and never takes one for a WireGuard endpoint.
 */
public final class MeshPrefixes {
  private MeshPrefixes() {}

  /** IPv4: 100.64.0.0/10, the RFC 6598 shared address space (carrier-grade NAT). */
  public static final Prefix V4 = Prefix.parse("100.64.0.0/10");

  /** IPv6: fd7a:115c:a1e0::/48, a unique local prefix (RFC 4193). */
  public static final Prefix V6 = Prefix.parse("fd7a:115c:a1e0::/48");

  /** Whether {@code address} (4 or 16 bytes) lies inside the mesh. */
  public static boolean contains(byte[] address) {
    return address.length == 4 ? V4.contains(address) : V6.contains(address);
  }

  /** Whether {@code address} lies inside the mesh. */
  public static boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }
}
