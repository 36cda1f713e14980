package io.weft.netstack.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * An IPv4 or IPv6 address as two longs. IPv4 addresses are held IPv4-mapped ({@code
 * ::ffff:a.b.c.d}, RFC 4291 section 2.5.5.2) so one comparison covers both families and the data
 * path can match packet addresses against sockets without allocating.
 *
 * @param hi the first 8 bytes, big-endian
 * @param lo the last 8 bytes, big-endian
 */
public record IpAddress(long hi, long lo) {
  private static final long V4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

  /** The IPv4 unspecified address 0.0.0.0. */
  public static final IpAddress V4_ANY = ofV4(0);

  /** The IPv6 unspecified address ::. */
  public static final IpAddress V6_ANY = new IpAddress(0, 0);

  /** An IPv4 address from its 32-bit big-endian value. */
  public static IpAddress ofV4(int address) {
    return new IpAddress(0, V4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL));
  }

  /** From a java.net address. */
  public static IpAddress of(InetAddress address) {
    byte[] b = address.getAddress();
    ByteBuffer bb = ByteBuffer.wrap(b);
    if (address instanceof Inet4Address) {
      return ofV4(bb.getInt(0));
    }
    return new IpAddress(bb.getLong(0), bb.getLong(8));
  }

  /** Parses a literal such as {@code 10.0.0.1} or {@code fd00::1}; never does a DNS lookup. */
  public static IpAddress parse(String literal) {
    return of(InetAddress.ofLiteral(literal));
  }

  /** Reads a 16-byte IPv6 address from a buffer. */
  public static IpAddress readV6(ByteBuffer buffer, int offset) {
    return new IpAddress(buffer.getLong(offset), buffer.getLong(offset + 8));
  }

  /** True for IPv4-mapped values. */
  public boolean isV4() {
    return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == V4_MAPPED_PREFIX;
  }

  /** The IPv4 address; meaningful only when {@link #isV4()}. */
  public int v4() {
    return (int) lo;
  }

  /** True for 0.0.0.0 and ::. */
  public boolean isUnspecified() {
    return this.equals(V4_ANY) || this.equals(V6_ANY);
  }

  /** Writes this address in its family's wire form (4 or 16 bytes). */
  public void write(ByteBuffer buffer, int offset) {
    if (isV4()) {
      buffer.putInt(offset, v4());
    } else {
      buffer.putLong(offset, hi);
      buffer.putLong(offset + 8, lo);
    }
  }

  /** The java.net form. */
  public InetAddress toInetAddress() {
    try {
      if (isV4()) {
        return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(0, v4()).array());
      }
      return Inet6Address.getByAddress(
          ByteBuffer.allocate(16).putLong(0, hi).putLong(8, lo).array());
    } catch (UnknownHostException e) {
      throw new AssertionError("fixed-length address", e);
    }
  }

  @Override
  public String toString() {
    return toInetAddress().getHostAddress();
  }
}
