package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/** Drives every flyweight the way the interface does: checkLength first, then every accessor. */
final class WireWalker {
  private static final Ipv4Packet IP4 = new Ipv4Packet();
  private static final Ipv6Packet IP6 = new Ipv6Packet();
  private static final TcpPacket TCP = new TcpPacket();
  private static final UdpPacket UDP = new UdpPacket();
  private static final IcmpEchoPacket ICMP = new IcmpEchoPacket();
  private static final TcpOptions OPTIONS = new TcpOptions();

  private WireWalker() {}

  static long walk(ByteBuffer b, int offset, int length) {
    long sink = 0;
    int upperOffset;
    int upperLength;
    int protocol;
    long pseudo;
    if (IP4.wrap(b, offset, length).checkLength() == WireStatus.OK) {
      sink +=
          IP4.version()
              + IP4.tos()
              + IP4.identification()
              + IP4.ttl()
              + IP4.checksum()
              + IP4.source()
              + IP4.destination()
              + IP4.fragmentOffset()
              + (IP4.verifyChecksum() ? 1 : 0);
      upperOffset = IP4.payloadOffset();
      upperLength = IP4.payloadLength();
      protocol = IP4.protocol();
      pseudo = Checksum.pseudoHeaderV4(b, offset, protocol, upperLength);
    } else if (IP6.wrap(b, offset, length).checkLength() == WireStatus.OK) {
      sink +=
          IP6.trafficClass()
              + IP6.flowLabel()
              + IP6.hopLimit()
              + IP6.sourceHi()
              + IP6.destinationLo();
      upperOffset = IP6.upperOffset();
      upperLength = IP6.upperLength();
      protocol = IP6.upperProtocol();
      pseudo = Checksum.pseudoHeaderV6(b, offset, protocol, upperLength);
    } else {
      // Also treat the raw bytes as each upper layer on its own.
      upperOffset = offset;
      upperLength = length;
      protocol = -1;
      pseudo = 0;
    }
    if ((protocol == IpProtocol.TCP || protocol == -1)
        && TCP.wrap(b, upperOffset, upperLength).checkLength() == WireStatus.OK) {
      sink +=
          TCP.sourcePort()
              + TCP.destinationPort()
              + TCP.sequence()
              + TCP.acknowledgment()
              + TCP.flags()
              + TCP.window()
              + TCP.urgentPointer()
              + TCP.segmentLength()
              + (TCP.verifyChecksum(pseudo) ? 1 : 0);
      if (TCP.parseOptions(OPTIONS) == WireStatus.OK) {
        sink += OPTIONS.mss + OPTIONS.windowScale + OPTIONS.tsVal + OPTIONS.sackBlocks;
      }
    }
    if ((protocol == IpProtocol.UDP || protocol == -1)
        && UDP.wrap(b, upperOffset, upperLength).checkLength() == WireStatus.OK) {
      sink += UDP.sourcePort() + UDP.payloadLength() + (UDP.verifyChecksum(pseudo, true) ? 1 : 0);
    }
    if ((protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6 || protocol == -1)
        && ICMP.wrap(b, upperOffset, upperLength).checkLength() == WireStatus.OK) {
      sink +=
          ICMP.type()
              + ICMP.code()
              + ICMP.identifier()
              + ICMP.sequence()
              + (ICMP.verifyChecksum(pseudo) ? 1 : 0);
    }
    return sink;
  }
}
