package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Writes an IPv4 or IPv6 header for an outgoing packet and computes pseudo-header sums from address
 * values, for sockets that build whole IP packets. Static and allocation-free.
 */
public final class IpHeader {
  /** Default TTL / hop limit (RFC 1700 suggests 64; Linux uses it). */
  public static final int DEFAULT_TTL = 64;

  private IpHeader() {}

  /** 20 for IPv4, 40 for IPv6 (no options or extension headers are emitted). */
  public static int length(IpAddress source) {
    return source.isV4() ? Ipv4Packet.MIN_HEADER_LENGTH : Ipv6Packet.HEADER_LENGTH;
  }

  /** Writes the header at {@code offset}; returns its length. IPv4 headers set DF. */
  public static int emit(
      ByteBuffer b,
      int offset,
      IpAddress source,
      IpAddress destination,
      int protocol,
      int payloadLength,
      int identification) {
    if (source.isV4()) {
      b.put(offset, (byte) 0x45);
      b.put(offset + Ipv4Packet.TOS_OFFSET, (byte) 0);
      b.putShort(
          offset + Ipv4Packet.TOTAL_LENGTH_OFFSET,
          (short) (Ipv4Packet.MIN_HEADER_LENGTH + payloadLength));
      b.putShort(offset + Ipv4Packet.IDENTIFICATION_OFFSET, (short) identification);
      b.putShort(offset + Ipv4Packet.FLAGS_FRAGMENT_OFFSET, (short) 0x4000);
      b.put(offset + Ipv4Packet.TTL_OFFSET, (byte) DEFAULT_TTL);
      b.put(offset + Ipv4Packet.PROTOCOL_OFFSET, (byte) protocol);
      b.putShort(offset + Ipv4Packet.CHECKSUM_OFFSET, (short) 0);
      b.putInt(offset + Ipv4Packet.SOURCE_OFFSET, source.v4());
      b.putInt(offset + Ipv4Packet.DESTINATION_OFFSET, destination.v4());
      b.putShort(
          offset + Ipv4Packet.CHECKSUM_OFFSET,
          (short) Checksum.finish(Checksum.sum(b, offset, Ipv4Packet.MIN_HEADER_LENGTH, 0)));
      return Ipv4Packet.MIN_HEADER_LENGTH;
    }
    b.putInt(offset, 0x6000_0000);
    b.putShort(offset + Ipv6Packet.PAYLOAD_LENGTH_OFFSET, (short) payloadLength);
    b.put(offset + Ipv6Packet.NEXT_HEADER_OFFSET, (byte) protocol);
    b.put(offset + Ipv6Packet.HOP_LIMIT_OFFSET, (byte) DEFAULT_TTL);
    b.putLong(offset + Ipv6Packet.SOURCE_OFFSET, source.hi());
    b.putLong(offset + Ipv6Packet.SOURCE_OFFSET + 8, source.lo());
    b.putLong(offset + Ipv6Packet.DESTINATION_OFFSET, destination.hi());
    b.putLong(offset + Ipv6Packet.DESTINATION_OFFSET + 8, destination.lo());
    return Ipv6Packet.HEADER_LENGTH;
  }

  /**
   * The pseudo-header sum for the pair of addresses (RFC 9293 section 3.1, RFC 8200 section 8.1).
   */
  public static long pseudoHeader(
      IpAddress source, IpAddress destination, int protocol, int upperLength) {
    long acc;
    if (source.isV4()) {
      acc = (source.lo() & 0xFFFF_FFFFL) + (destination.lo() & 0xFFFF_FFFFL);
    } else {
      acc =
          words(source.hi())
              + words(source.lo())
              + words(destination.hi())
              + words(destination.lo());
    }
    return acc + protocol + upperLength;
  }

  private static long words(long v) {
    return (v >>> 32) + (v & 0xFFFF_FFFFL);
  }
}
