package io.weft.agent.ping;

import io.weft.netstack.wire.Checksum;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * ICMP echo request packets (RFC 792 for IPv4, RFC 4443 section 4.1 for IPv6) and the checks that
 * recognise their replies. A request is a whole IP packet, ready to be sealed by the device.
 *
 * <pre>
 *  IPv4 (20 bytes, no options)             ICMP echo (8 bytes + payload)
 *  0x45 tos  total-length                  type code checksum
 *  id        flags/fragment                identifier sequence
 *  ttl proto header-checksum               payload...
 *  source address, destination address
 * </pre>
 */
public final class IcmpEcho {
  private IcmpEcho() {}

  // ---- specification constants ----
  static final int IPV4_HEADER = 20;
  static final int IPV6_HEADER = 40;
  static final int ICMP_HEADER = 8;
  static final int PROTO_ICMP = 1;
  static final int PROTO_ICMPV6 = 58;
  static final int ECHO_REQUEST_V4 = 8;
  static final int ECHO_REPLY_V4 = 0;
  static final int ECHO_REQUEST_V6 = 128;
  static final int ECHO_REPLY_V6 = 129;

  // ---- implementation constants ----
  static final int TTL = 64;
  private static final byte[] PAYLOAD =
      "weft ping through the tunnel".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** An echo request from {@code src} to {@code dst} (both of one family). */
  public static byte[] request(InetAddress src, InetAddress dst, int identifier, int sequence) {
    if (src instanceof Inet4Address && dst instanceof Inet4Address) {
      return requestV4(src.getAddress(), dst.getAddress(), identifier, sequence);
    }
    if (src instanceof Inet6Address && dst instanceof Inet6Address) {
      return requestV6(src.getAddress(), dst.getAddress(), identifier, sequence);
    }
    throw new IllegalArgumentException(
        "source and destination differ in family: " + src + ", " + dst);
  }

  private static byte[] requestV4(byte[] src, byte[] dst, int identifier, int sequence) {
    int icmpLength = ICMP_HEADER + PAYLOAD.length;
    ByteBuffer p = ByteBuffer.allocate(IPV4_HEADER + icmpLength);
    p.put((byte) 0x45).put((byte) 0).putShort((short) p.capacity());
    p.putShort((short) sequence).putShort((short) 0x4000); // DF, no fragments
    p.put((byte) TTL).put((byte) PROTO_ICMP).putShort((short) 0);
    p.put(src).put(dst);
    p.putShort(10, (short) checksum(p.array(), 0, IPV4_HEADER, 0));
    p.put((byte) ECHO_REQUEST_V4).put((byte) 0).putShort((short) 0);
    p.putShort((short) identifier).putShort((short) sequence).put(PAYLOAD);
    p.putShort(IPV4_HEADER + 2, (short) checksum(p.array(), IPV4_HEADER, icmpLength, 0));
    return p.array();
  }

  private static byte[] requestV6(byte[] src, byte[] dst, int identifier, int sequence) {
    int icmpLength = ICMP_HEADER + PAYLOAD.length;
    ByteBuffer p = ByteBuffer.allocate(IPV6_HEADER + icmpLength);
    p.putInt(0x6000_0000).putShort((short) icmpLength).put((byte) PROTO_ICMPV6).put((byte) TTL);
    p.put(src).put(dst);
    p.put((byte) ECHO_REQUEST_V6).put((byte) 0).putShort((short) 0);
    p.putShort((short) identifier).putShort((short) sequence).put(PAYLOAD);
    // The ICMPv6 checksum covers a pseudo-header: addresses, upper-layer length, next header.
    long pseudo =
        Checksum.sum(src, 0, 16, 0) + Checksum.sum(dst, 0, 16, 0) + icmpLength + PROTO_ICMPV6;
    p.putShort(IPV6_HEADER + 2, (short) checksum(p.array(), IPV6_HEADER, icmpLength, pseudo));
    return p.array();
  }

  /** The Internet checksum (RFC 1071) of {@code b[off, off+len)} plus a pseudo-header sum. */
  static int checksum(byte[] b, int off, int len, long pseudo) {
    return Checksum.finish(Checksum.sum(b, off, len, pseudo));
  }
}
