package io.weft.wg.conn;

import java.net.InetSocketAddress;

/**
 * Where a peer's datagrams go: an opaque address chosen by a {@link Bind}. A plain UDP bind uses
 * a socket address; the mesh bind may use a relay or a disco-selected path.
 */
public interface Endpoint {

  /** The destination as a socket address, for display, UAPI and roaming checks. */
  InetSocketAddress destination();

  /** The destination in {@code host:port} form ({@code [v6]:port} for IPv6), as wg(8) prints. */
  default String destinationString() {
    InetSocketAddress a = destination();
    String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
