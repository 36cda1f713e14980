package io.weft.wg.conn;

import java.net.InetSocketAddress;

/** A plain UDP destination. */
public record UdpEndpoint(InetSocketAddress destination) implements Endpoint {
  @Override
  public String toString() {
    return destinationString();
  }
}
