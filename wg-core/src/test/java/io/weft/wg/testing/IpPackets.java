package io.weft.wg.testing;

import java.nio.ByteBuffer;

/**
 * Builds and picks apart the few IPv4 packets the tests exchange with a device: UDP datagrams
 * carrying a 4-byte sequence number, and ICMP echo replies.
 */
public final class IpPackets {
  private IpPackets() {}

  public static final int IPV4_HEADER = 20;
  public static final int UDP_HEADER = 8;
  public static final int PROTO_ICMP = 1;
  public static final int PROTO_UDP = 17;

  /**
   * An IPv4/UDP packet from {@code src:srcPort} to {@code dst:dstPort} whose payload is {@code
   * seq}.
   */
  public static byte[] udp4(byte[] src, int srcPort, byte[] dst, int dstPort, int seq) {
    final int length = IPV4_HEADER + UDP_HEADER + 4;
    final ByteBuffer b = ByteBuffer.allocate(length);
    b.put((byte) 0x45).put((byte) 0).putShort((short) length).putInt(0);
    b.put((byte) 64).put((byte) PROTO_UDP).putShort((short) 0).put(src).put(dst);
    b.putShort(10, checksum(b.array(), 0, IPV4_HEADER, 0));
    b.position(IPV4_HEADER);
    b.putShort((short) srcPort)
        .putShort((short) dstPort)
        .putShort((short) (UDP_HEADER + 4))
        .putShort((short) 0);
    b.putInt(seq);
    // UDP checksum over the pseudo-header, header and payload.
    long sum = sum(src, 0, 4) + sum(dst, 0, 4) + PROTO_UDP + UDP_HEADER + 4;
    final short udp = checksum(b.array(), IPV4_HEADER, UDP_HEADER + 4, sum);
    b.putShort(IPV4_HEADER + 6, udp == 0 ? (short) 0xffff : udp);
    return b.array();
  }

  /** The IP version nibble of the packet at {@code offset}. */
  public static int version(ByteBuffer buf, int offset) {
    return (buf.get(offset) >> 4) & 0xf;
  }

  /** The IPv4 protocol field. */
  public static int protocol(ByteBuffer buf, int offset) {
    return buf.get(offset + 9) & 0xff;
  }

  /** The sequence number a {@link #udp4} packet (or a kernel-sent one like it) carries, or -1. */
  public static int udpSeq(ByteBuffer buf, int offset, int size) {
    if (size < IPV4_HEADER + UDP_HEADER + 4
        || version(buf, offset) != 4
        || protocol(buf, offset) != PROTO_UDP) {
      return -1;
    }
    final int ihl = (buf.get(offset) & 0xf) * 4;
    return buf.getInt(offset + ihl + UDP_HEADER);
  }

  /** Same, over a byte array. */
  public static int udpSeq(byte[] packet) {
    return udpSeq(ByteBuffer.wrap(packet), 0, packet.length);
  }

  /**
   * If the packet at {@code offset} is an IPv4 ICMP echo request, the echo reply to it (addresses
   * swapped, type 0, checksums redone); otherwise null.
   */
  public static byte[] echoReplyTo(ByteBuffer buf, int offset, int size) {
    if (size < IPV4_HEADER + 8
        || version(buf, offset) != 4
        || protocol(buf, offset) != PROTO_ICMP) {
      return null;
    }
    final int ihl = (buf.get(offset) & 0xf) * 4;
    if ((buf.get(offset + ihl) & 0xff) != 8) {
      return null;
    }
    final byte[] p = new byte[size];
    buf.get(offset, p);
    for (int i = 0; i < 4; i++) {
      final byte s = p[12 + i];
      p[12 + i] = p[16 + i];
      p[16 + i] = s;
    }
    p[10] = 0;
    p[11] = 0;
    final short ipSum = checksum(p, 0, ihl, 0);
    p[10] = (byte) (ipSum >> 8);
    p[11] = (byte) ipSum;
    p[ihl] = 0; // echo reply
    p[ihl + 2] = 0;
    p[ihl + 3] = 0;
    final short icmpSum = checksum(p, ihl, size - ihl, 0);
    p[ihl + 2] = (byte) (icmpSum >> 8);
    p[ihl + 3] = (byte) icmpSum;
    return p;
  }

  /** The Internet checksum (RFC 1071) of {@code b[from, from + length)} plus {@code initial}. */
  public static short checksum(byte[] b, int from, int length, long initial) {
    long sum = initial + sum(b, from, length);
    while ((sum >> 16) != 0) {
      sum = (sum & 0xffff) + (sum >> 16);
    }
    return (short) ~sum;
  }

  private static long sum(byte[] b, int from, int length) {
    long sum = 0;
    for (int i = 0; i < length; i += 2) {
      final int hi = b[from + i] & 0xff;
      final int lo = i + 1 < length ? b[from + i + 1] & 0xff : 0;
      sum += (hi << 8) | lo;
    }
    return sum;
  }
}
