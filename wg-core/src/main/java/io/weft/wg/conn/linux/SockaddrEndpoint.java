package io.weft.wg.conn.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.weft.wg.conn.Endpoint;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * A UDP destination that keeps its {@code sockaddr_in6} fields, so sending to it writes four fields
 * instead of encoding an {@link InetSocketAddress}, and a received source is matched against it
 * without building one. IPv4 addresses are held IPv4-mapped and shown as IPv4; the identity is the
 * address as shown (4 or 16 bytes) and the port, as {@code UdpEndpoint}'s.
 */
public final class SockaddrEndpoint implements Endpoint {
  final long addrHi;
  final long addrLo;
  final short rawPort;
  final int scopeId;
  private final InetSocketAddress destination;
  private final byte[] identity;

  private SockaddrEndpoint(
      long addrHi, long addrLo, short rawPort, int scopeId, InetSocketAddress destination) {
    this.addrHi = addrHi;
    this.addrLo = addrLo;
    this.rawPort = rawPort;
    this.scopeId = scopeId;
    this.destination = destination;
    this.identity = Endpoint.socketIdentity(destination);
  }

  /** The endpoint for a resolved socket address. */
  public static SockaddrEndpoint of(InetSocketAddress a) {
    final InetAddress ip = a.getAddress();
    if (ip == null) {
      throw new IllegalArgumentException("endpoint " + a + ": unresolved");
    }
    final byte[] b = new byte[16];
    final byte[] raw = ip.getAddress();
    int scope = 0;
    if (raw.length == 4) {
      b[10] = (byte) 0xff;
      b[11] = (byte) 0xff;
      System.arraycopy(raw, 0, b, 12, 4);
    } else {
      System.arraycopy(raw, 0, b, 0, 16);
      scope = ((Inet6Address) ip).getScopeId();
    }
    final MemorySegment s = MemorySegment.ofArray(b);
    return new SockaddrEndpoint(
        s.get(JAVA_LONG_UNALIGNED, 0),
        s.get(JAVA_LONG_UNALIGNED, 8),
        Sockaddr.rawPort(a.getPort()),
        scope,
        a);
  }

  /** The endpoint for the {@code sockaddr_in6} at {@code at} in {@code s}. */
  static SockaddrEndpoint read(MemorySegment s, long at) {
    final byte[] b = new byte[16];
    MemorySegment.copy(s, at + Sockaddr.ADDR_HI, MemorySegment.ofArray(b), 0, 16);
    final int scope = s.get(JAVA_INT, at + Sockaddr.SCOPE_ID);
    InetAddress ip;
    try {
      // getByAddress turns ::ffff:a.b.c.d into an Inet4Address by itself.
      ip = InetAddress.getByAddress(b);
      if (scope != 0 && ip instanceof Inet6Address) {
        ip = Inet6Address.getByAddress(null, b, scope);
      }
    } catch (UnknownHostException e) {
      throw new IllegalStateException("16-byte address rejected", e);
    }
    return new SockaddrEndpoint(
        s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_HI),
        s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_LO),
        s.get(JAVA_SHORT, at + Sockaddr.PORT),
        scope,
        new InetSocketAddress(ip, Sockaddr.port(s, at)));
  }

  /** Whether the {@code sockaddr_in6} at {@code at} in {@code s} is this endpoint. */
  boolean matches(MemorySegment s, long at) {
    return s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_LO) == addrLo
        && s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_HI) == addrHi
        && s.get(JAVA_SHORT, at + Sockaddr.PORT) == rawPort
        && s.get(JAVA_INT, at + Sockaddr.SCOPE_ID) == scopeId;
  }

  /** Writes this endpoint as a {@code sockaddr_in6} at {@code at} in {@code s}. */
  void write(MemorySegment s, long at) {
    Sockaddr.write(s, at, addrHi, addrLo, rawPort, scopeId);
  }

  /** A hash of the fields {@link #matches} compares, for the {@code sockaddr_in6} at {@code at}. */
  static int hash(MemorySegment s, long at) {
    return hash(
        s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_HI),
        s.get(JAVA_LONG_UNALIGNED, at + Sockaddr.ADDR_LO),
        s.get(JAVA_SHORT, at + Sockaddr.PORT),
        s.get(JAVA_INT, at + Sockaddr.SCOPE_ID));
  }

  private static int hash(long hi, long lo, short port, int scope) {
    long h = hi * 0x9E3779B97F4A7C15L ^ lo;
    h = (h ^ port ^ ((long) scope << 16)) * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
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
    return o instanceof SockaddrEndpoint e
        && e.addrHi == addrHi
        && e.addrLo == addrLo
        && e.rawPort == rawPort
        && e.scopeId == scopeId;
  }

  @Override
  public int hashCode() {
    return hash(addrHi, addrLo, rawPort, scopeId);
  }

  @Override
  public String toString() {
    return destinationString();
  }
}
