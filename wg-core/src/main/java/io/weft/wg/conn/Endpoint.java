package io.weft.wg.conn;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * Where a peer's datagrams go, chosen by a {@link Bind}: a name for a path to a peer, not
 * necessarily an address. Two things are kept apart (wireguard-go's {@code DstToBytes} and {@code
 * DstIP}): the {@link #identity()} that names the sender for cookies and handshake rate limiting,
 * and the optional {@link #destination()} socket address. A relayed path has no address; its
 * identity is whatever the bind uses to name it (the peer's key, say).
 */
public interface Endpoint {

  /**
   * The socket address datagrams go to, or null when the path has none (a relay stream). For
   * display, UAPI {@code endpoint=} and sending.
   */
  InetSocketAddress destination();

  /**
   * Bytes naming the sender, stable for as long as the endpoint names the same path: the input of
   * the mac2 cookie (paper §5.4.7) and, when there is no address, the key of handshake rate
   * limiting. For a UDP path the address bytes followed by the port (big-endian). Callers never
   * modify the array.
   */
  byte[] identity();

  /**
   * The IP address handshake rate limiting groups this sender by (4 or 16 bytes, never modified by
   * callers), or null when the path has no address and is limited by {@link #identity()}.
   */
  default byte[] sourceAddress() {
    final InetSocketAddress a = destination();
    return a == null || a.getAddress() == null ? null : a.getAddress().getAddress();
  }

  /** Whether {@code other} names the same path: roaming compares identities, not objects. */
  default boolean sameIdentity(Endpoint other) {
    return other == this || (other != null && Arrays.equals(identity(), other.identity()));
  }

  /**
   * The destination in {@code host:port} form ({@code [v6]:port} for IPv6), as wg(8) prints; a path
   * without an address is shown by its {@link Object#toString()}.
   */
  default String destinationString() {
    final InetSocketAddress a = destination();
    if (a == null) {
      return toString();
    }
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  /** The UDP identity of {@code a}: its address bytes, then the port big-endian. */
  static byte[] socketIdentity(InetSocketAddress a) {
    final byte[] ip = a.getAddress() == null ? new byte[0] : a.getAddress().getAddress();
    final byte[] b = Arrays.copyOf(ip, ip.length + 2);
    b[ip.length] = (byte) (a.getPort() >>> 8);
    b[ip.length + 1] = (byte) a.getPort();
    return b;
  }
}
