package io.weft.wg.conn;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A plain UDP destination; its identity is the address and port. */
public final class UdpEndpoint implements Endpoint {
  private final InetSocketAddress destination;
  private final byte[] identity;

  public UdpEndpoint(InetSocketAddress destination) {
    this.destination = Objects.requireNonNull(destination, "destination");
    this.identity = Endpoint.socketIdentity(destination);
  }

  @Override
  public InetSocketAddress destination() {
    return destination;
  }

  @Override
  public byte[] identity() {
    return identity;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UdpEndpoint u && u.destination.equals(destination);
  }

  @Override
  public int hashCode() {
    return destination.hashCode();
  }

  @Override
  public String toString() {
    return destinationString();
  }
}
