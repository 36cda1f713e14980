package io.weft.netstack.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class WirePacketsTest {

  private static String text(ByteBuffer b, int offset, int length) {
    byte[] out = new byte[length];
    b.get(offset, out);
    return new String(out, StandardCharsets.US_ASCII);
  }

  @Nested
  class Ipv4 {
    @Test
    void shouldParseKernelSynHeader() {
      Ipv4Packet ip = new Ipv4Packet().wrap(Fixtures.buffer(Fixtures.TCP4_SYN), 0, 60);
      assertThat(ip.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(ip.version()).isEqualTo(4);
      assertThat(ip.headerLength()).isEqualTo(20);
      assertThat(ip.totalLength()).isEqualTo(60);
      assertThat(ip.identification()).isEqualTo(0x0aa6);
      assertThat(ip.dontFragment()).isTrue();
      assertThat(ip.isFragment()).isFalse();
      assertThat(ip.ttl()).isEqualTo(64);
      assertThat(ip.protocol()).isEqualTo(IpProtocol.TCP);
      assertThat(ip.source()).isEqualTo(0x7f000001);
      assertThat(ip.destination()).isEqualTo(0x7f000001);
      assertThat(ip.verifyChecksum()).isTrue();
      assertThat(ip.payloadLength()).isEqualTo(40);
    }

    @Test
    void shouldEmitTheSameHeaderBytes() {
      byte[] expected = Fixtures.bytes(Fixtures.TCP4_SYN);
      ByteBuffer out = ByteBuffer.allocate(60);
      out.put(20, expected, 20, 40);
      new Ipv4Packet()
          .wrap(out, 0, 60)
          .emit(0x7f000001, 0x7f000001, IpProtocol.TCP, 40, 0x0aa6, true, 64);
      assertThat(out.array()).isEqualTo(expected);
    }

    @Test
    void shouldRejectBadChecksumVersionAndLengths() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP4_SYN);
      b.put(10, (byte) 0);
      assertThat(new Ipv4Packet().wrap(b, 0, 60).verifyChecksum()).isFalse();
      assertThat(new Ipv4Packet().wrap(Fixtures.buffer(Fixtures.TCP4_SYN), 0, 59).checkLength())
          .isEqualTo(WireStatus.TRUNCATED);
      ByteBuffer v6 = Fixtures.buffer(Fixtures.TCP6_SYN);
      assertThat(new Ipv4Packet().wrap(v6, 0, v6.capacity()).checkLength())
          .isEqualTo(WireStatus.MALFORMED);
      ByteBuffer shortIhl = Fixtures.buffer(Fixtures.TCP4_SYN);
      shortIhl.put(0, (byte) 0x44);
      assertThat(new Ipv4Packet().wrap(shortIhl, 0, 60).checkLength())
          .isEqualTo(WireStatus.MALFORMED);
    }

    @Test
    void shouldIgnoreLinkPaddingAfterTotalLength() {
      ByteBuffer b = ByteBuffer.allocate(80);
      b.put(0, Fixtures.bytes(Fixtures.UDP4));
      Ipv4Packet ip = new Ipv4Packet().wrap(b, 0, 80);
      assertThat(ip.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(ip.payloadLength()).isEqualTo(16);
    }

    @Test
    void shouldSetFragmentFields() {
      ByteBuffer b = Fixtures.buffer(Fixtures.UDP4);
      Ipv4Packet ip = new Ipv4Packet().wrap(b, 0, b.capacity());
      ip.setFragment(true, 1480);
      assertThat(ip.moreFragments()).isTrue();
      assertThat(ip.fragmentOffset()).isEqualTo(1480);
      assertThat(ip.dontFragment()).isTrue();
      assertThat(ip.verifyChecksum()).isTrue();
    }
  }

  @Nested
  class Ipv6 {
    @Test
    void shouldParseKernelSynHeader() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP6_SYN);
      Ipv6Packet ip = new Ipv6Packet().wrap(b, 0, b.capacity());
      assertThat(ip.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(ip.version()).isEqualTo(6);
      assertThat(ip.flowLabel()).isEqualTo(0xf2b8c);
      assertThat(ip.payloadLength()).isEqualTo(40);
      assertThat(ip.nextHeader()).isEqualTo(IpProtocol.TCP);
      assertThat(ip.hopLimit()).isEqualTo(64);
      assertThat(ip.sourceHi()).isZero();
      assertThat(ip.sourceLo()).isEqualTo(1);
      assertThat(ip.upperProtocol()).isEqualTo(IpProtocol.TCP);
      assertThat(ip.upperOffset()).isEqualTo(40);
      assertThat(ip.upperLength()).isEqualTo(40);
    }

    @Test
    void shouldSkipHopByHopAndDestinationOptions() {
      byte[] udp = Fixtures.bytes(Fixtures.UDP6);
      int l4 = udp.length - 40;
      ByteBuffer b = ByteBuffer.allocate(udp.length + 16 + 8);
      b.put(0, udp, 0, 40);
      b.putShort(4, (short) (l4 + 24));
      b.put(6, (byte) IpProtocol.HOP_BY_HOP);
      // hop-by-hop: next = dest opts, len 1 (16 bytes), PadN
      b.put(40, (byte) IpProtocol.IPV6_DESTINATION_OPTIONS)
          .put(41, (byte) 1)
          .put(42, (byte) 1)
          .put(43, (byte) 12);
      // destination options: next = UDP, len 0 (8 bytes), PadN
      b.put(56, (byte) IpProtocol.UDP).put(57, (byte) 0).put(58, (byte) 1).put(59, (byte) 4);
      b.put(64, udp, 40, l4);
      Ipv6Packet ip = new Ipv6Packet().wrap(b, 0, b.capacity());
      assertThat(ip.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(ip.upperProtocol()).isEqualTo(IpProtocol.UDP);
      assertThat(ip.upperOffset()).isEqualTo(64);
      assertThat(ip.upperLength()).isEqualTo(l4);
    }

    @Test
    void shouldReportNonAtomicFragmentsAsUnsupported() {
      ByteBuffer b = ByteBuffer.allocate(40 + 8 + 8);
      b.putInt(0, 0x6000_0000).putShort(4, (short) 16).put(6, (byte) IpProtocol.IPV6_FRAGMENT);
      b.put(40, (byte) IpProtocol.UDP).putShort(42, (short) 1); // M flag set
      Ipv6Packet fragment = new Ipv6Packet().wrap(b, 0, b.capacity());
      assertThat(fragment.checkLength()).isEqualTo(WireStatus.UNSUPPORTED);
      assertThat(fragment.isFragment()).isTrue();
      b.putShort(42, (short) 0); // atomic fragment
      Ipv6Packet ip = new Ipv6Packet().wrap(b, 0, b.capacity());
      assertThat(ip.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(ip.upperProtocol()).isEqualTo(IpProtocol.UDP);
    }

    @Test
    void shouldEmitTheSameHeaderBytesApartFromFlowLabel() {
      byte[] expected = Fixtures.bytes(Fixtures.UDP6);
      ByteBuffer out = ByteBuffer.allocate(expected.length);
      out.put(40, expected, 40, expected.length - 40);
      new Ipv6Packet()
          .wrap(out, 0, out.capacity())
          .emit(
              IpAddress.parse("::1"),
              IpAddress.parse("::1"),
              IpProtocol.UDP,
              expected.length - 40,
              64);
      out.putInt(0, ByteBuffer.wrap(expected).getInt(0));
      assertThat(out.array()).isEqualTo(expected);
    }
  }

  @Nested
  class Udp {
    @Test
    void shouldParseAndVerifyOverIpv4() {
      ByteBuffer b = Fixtures.buffer(Fixtures.UDP4);
      UdpPacket udp = new UdpPacket().wrap(b, 20, b.capacity() - 20);
      assertThat(udp.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(udp.sourcePort()).isEqualTo(0xa952);
      assertThat(udp.destinationPort()).isEqualTo(5557);
      assertThat(text(b, udp.payloadOffset(), udp.payloadLength())).isEqualTo("weft-udp");
      assertThat(udp.verifyChecksum(Checksum.pseudoHeaderV4(b, 0, IpProtocol.UDP, 16), false))
          .isTrue();
    }

    @Test
    void shouldRoundTripOverIpv6() {
      byte[] expected = Fixtures.bytes(Fixtures.UDP6);
      ByteBuffer b = ByteBuffer.wrap(expected.clone());
      UdpPacket udp = new UdpPacket().wrap(b, 40, expected.length - 40);
      assertThat(udp.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(
              udp.verifyChecksum(
                  Checksum.pseudoHeaderV6(b, 0, IpProtocol.UDP, udp.udpLength()), false))
          .isTrue();
      b.putLong(40, 0);
      udp.emit(0xc160, 5557, 9);
      udp.fillChecksum(Checksum.pseudoHeaderV6(b, 0, IpProtocol.UDP, 17));
      assertThat(b.array()).isEqualTo(expected);
    }

    @Test
    void shouldTreatZeroChecksumAsAbsentOnlyWhenAllowed() {
      ByteBuffer b = Fixtures.buffer(Fixtures.UDP4);
      b.putShort(26, (short) 0);
      UdpPacket udp = new UdpPacket().wrap(b, 20, 16);
      assertThat(udp.verifyChecksum(0, true)).isTrue();
      assertThat(udp.verifyChecksum(0, false)).isFalse();
    }

    @Test
    void shouldRejectLengthFieldBeyondData() {
      ByteBuffer b = Fixtures.buffer(Fixtures.UDP4);
      assertThat(new UdpPacket().wrap(b, 20, 15).checkLength()).isEqualTo(WireStatus.TRUNCATED);
      b.putShort(24, (short) 7);
      assertThat(new UdpPacket().wrap(b, 20, 16).checkLength()).isEqualTo(WireStatus.MALFORMED);
    }
  }

  @Nested
  class Icmp {
    @Test
    void shouldVerifyKernelChecksumsOfPortUnreachable() {
      ByteBuffer v4 = Fixtures.buffer(Fixtures.ICMP4_PORT_UNREACHABLE);
      IcmpEchoPacket icmp = new IcmpEchoPacket().wrap(v4, 20, v4.capacity() - 20);
      assertThat(icmp.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(icmp.type()).isEqualTo(IcmpEchoPacket.V4_DESTINATION_UNREACHABLE);
      assertThat(icmp.code()).isEqualTo(3);
      assertThat(icmp.verifyChecksum(0)).isTrue();

      ByteBuffer v6 = Fixtures.buffer(Fixtures.ICMP6_PORT_UNREACHABLE);
      IcmpEchoPacket icmp6 = new IcmpEchoPacket().wrap(v6, 40, v6.capacity() - 40);
      assertThat(icmp6.type()).isEqualTo(IcmpEchoPacket.V6_DESTINATION_UNREACHABLE);
      assertThat(icmp6.code()).isEqualTo(4);
      assertThat(
              icmp6.verifyChecksum(
                  Checksum.pseudoHeaderV6(v6, 0, IpProtocol.ICMPV6, v6.capacity() - 40)))
          .isTrue();
    }

    @Test
    void shouldRoundTripEchoRequests() {
      byte[] expected = Fixtures.bytes(Fixtures.ICMP4_ECHO);
      ByteBuffer b = ByteBuffer.wrap(expected.clone());
      IcmpEchoPacket echo = new IcmpEchoPacket().wrap(b, 20, 16);
      assertThat(echo.identifier()).isEqualTo(0x1234);
      assertThat(echo.sequence()).isEqualTo(1);
      assertThat(text(b, echo.dataOffset(), echo.dataLength())).isEqualTo("pingdata");
      b.putLong(20, 0);
      echo.emitEcho(IcmpEchoPacket.V4_ECHO_REQUEST, 0x1234, 1);
      echo.fillChecksum(0);
      assertThat(b.array()).isEqualTo(expected);

      byte[] expected6 = Fixtures.bytes(Fixtures.ICMP6_ECHO);
      ByteBuffer b6 = ByteBuffer.wrap(expected6.clone());
      IcmpEchoPacket echo6 = new IcmpEchoPacket().wrap(b6, 40, 16);
      b6.putLong(40, 0);
      echo6.emitEcho(IcmpEchoPacket.V6_ECHO_REQUEST, 0x1234, 1);
      echo6.fillChecksum(Checksum.pseudoHeaderV6(b6, 0, IpProtocol.ICMPV6, 16));
      assertThat(b6.array()).isEqualTo(expected6);
    }
  }

  @Nested
  class Tcp {
    @Test
    void shouldParseKernelSynWithOptions() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP4_SYN);
      TcpPacket tcp = new TcpPacket().wrap(b, 20, 40);
      assertThat(tcp.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(tcp.sourcePort()).isEqualTo(0x8b78);
      assertThat(tcp.destinationPort()).isEqualTo(5555);
      assertThat(tcp.sequence()).isEqualTo(0x9720b15b);
      assertThat(tcp.flags()).isEqualTo(TcpPacket.SYN);
      assertThat(tcp.window()).isEqualTo(65495);
      assertThat(tcp.headerLength()).isEqualTo(40);
      assertThat(tcp.segmentLength()).isEqualTo(1);
      assertThat(tcp.verifyChecksum(Checksum.pseudoHeaderV4(b, 0, IpProtocol.TCP, 40))).isTrue();
      TcpOptions o = new TcpOptions();
      assertThat(tcp.parseOptions(o)).isEqualTo(WireStatus.OK);
      assertThat(o.mss).isEqualTo(65495);
      assertThat(o.sackPermitted).isTrue();
      assertThat(o.timestamps).isTrue();
      assertThat(o.tsVal).isEqualTo(0xc1827a5f);
      assertThat(o.tsEcr).isZero();
      assertThat(o.windowScale).isEqualTo(10);
      assertThat(o.encodedLength()).isEqualTo(20);
    }

    @Test
    void shouldEmitTheKernelSynByteForByte() {
      byte[] expected = Fixtures.bytes(Fixtures.TCP4_SYN);
      ByteBuffer b = ByteBuffer.allocate(60);
      b.put(0, expected, 0, 20);
      TcpOptions o = new TcpOptions();
      o.mss = 65495;
      o.sackPermitted = true;
      o.timestamps = true;
      o.tsVal = 0xc1827a5f;
      o.windowScale = 10;
      TcpPacket tcp = new TcpPacket().wrap(b, 20, 40);
      int header = tcp.emit(0x8b78, 5555, 0x9720b15b, 0, TcpPacket.SYN, 65495, o);
      assertThat(header).isEqualTo(40);
      tcp.fillChecksum(Checksum.pseudoHeaderV4(b, 0, IpProtocol.TCP, 40));
      assertThat(b.array()).isEqualTo(expected);
    }

    @Test
    void shouldEmitKernelDataSegmentByteForByte() {
      byte[] expected = Fixtures.bytes(Fixtures.TCP4_DATA);
      ByteBuffer b = ByteBuffer.allocate(expected.length);
      b.put(0, expected, 0, 20);
      b.put(52, expected, 52, 5);
      TcpOptions o = new TcpOptions();
      o.timestamps = true;
      o.tsVal = 0xc1827a5f;
      o.tsEcr = 0x30754671;
      TcpPacket tcp = new TcpPacket().wrap(b, 20, 37);
      tcp.emit(0x8b78, 5555, 0x9720b15c, 0x3816e1c4, TcpPacket.PSH | TcpPacket.ACK, 64, o);
      tcp.fillChecksum(Checksum.pseudoHeaderV4(b, 0, IpProtocol.TCP, 37));
      assertThat(b.array()).isEqualTo(expected);
      assertThat(text(b, tcp.payloadOffset(), tcp.payloadLength())).isEqualTo("hello");
    }

    @Test
    void shouldRoundTripSackBlocks() {
      ByteBuffer b = ByteBuffer.allocate(60);
      TcpOptions o = new TcpOptions();
      o.timestamps = true;
      o.tsVal = 7;
      o.tsEcr = 9;
      o.addSackBlock(100, 200);
      o.addSackBlock(300, 400);
      o.addSackBlock(-5, 5);
      TcpPacket tcp = new TcpPacket().wrap(b, 0, 60);
      assertThat(tcp.emit(1, 2, 3, 4, TcpPacket.ACK, 5, o)).isEqualTo(60);
      TcpOptions parsed = new TcpOptions();
      assertThat(tcp.parseOptions(parsed)).isEqualTo(WireStatus.OK);
      assertThat(parsed.sackBlocks).isEqualTo(3);
      assertThat(parsed.sackLeft).startsWith(100, 300, -5);
      assertThat(parsed.sackRight).startsWith(200, 400, 5);
      assertThat(parsed.tsEcr).isEqualTo(9);
    }

    @Test
    void shouldRejectMalformedOptionLengths() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP4_SYN);
      b.put(41, (byte) 3); // MSS with length 3
      assertThat(new TcpPacket().wrap(b, 20, 40).parseOptions(new TcpOptions()))
          .isEqualTo(WireStatus.MALFORMED);
      ByteBuffer zero = Fixtures.buffer(Fixtures.TCP4_SYN);
      zero.put(41, (byte) 0);
      assertThat(new TcpPacket().wrap(zero, 20, 40).parseOptions(new TcpOptions()))
          .isEqualTo(WireStatus.MALFORMED);
    }

    @Test
    void shouldClampWindowScaleToFourteen() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP4_SYN);
      b.put(59, (byte) 20);
      TcpOptions o = new TcpOptions();
      new TcpPacket().wrap(b, 20, 40).parseOptions(o);
      assertThat(o.windowScale).isEqualTo(14);
    }

    @Test
    void shouldParseIpv6SynChecksum() {
      ByteBuffer b = Fixtures.buffer(Fixtures.TCP6_SYN);
      TcpPacket tcp = new TcpPacket().wrap(b, 40, 40);
      assertThat(tcp.checkLength()).isEqualTo(WireStatus.OK);
      assertThat(tcp.verifyChecksum(Checksum.pseudoHeaderV6(b, 0, IpProtocol.TCP, 40))).isTrue();
    }
  }

  @Nested
  class Addresses {
    @Test
    void shouldHoldIpv4AsMapped() {
      IpAddress a = IpAddress.parse("10.0.0.1");
      assertThat(a.isV4()).isTrue();
      assertThat(a.v4()).isEqualTo(0x0a000001);
      assertThat(a.toString()).isEqualTo("10.0.0.1");
      assertThat(IpAddress.parse("fd00::1").isV4()).isFalse();
      assertThat(IpAddress.parse("fd00::1").toString()).isEqualTo("fd00:0:0:0:0:0:0:1");
    }
  }
}
