package io.weft.netstack.iface;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.icmp.PingSocket;
import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.udp.UdpSocket;
import io.weft.netstack.wire.Checksum;
import io.weft.netstack.wire.Fixtures;
import io.weft.netstack.wire.IcmpEchoPacket;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.Ipv4Packet;
import io.weft.netstack.wire.Ipv6Packet;
import io.weft.netstack.wire.UdpPacket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InterfaceTest {
  private static final long SECOND = 1_000_000_000L;

  /** The echo fixtures go from 10.0.0.1 / fd00::1 to 10.0.0.2 / fd00::2. */
  private static final IpAddress LOCAL4 = IpAddress.parse("10.0.0.2");

  private static final IpAddress LOCAL6 = IpAddress.parse("fd00::2");
  private static final IpAddress REMOTE4 = IpAddress.parse("10.0.0.1");

  private final List<ByteBuffer> sent = new ArrayList<>();
  private Interface iface;

  @BeforeEach
  void setUp() {
    iface =
        new Interface(
            InterfaceConfig.of(LOCAL4, LOCAL6),
            (b, off, len) -> {
              ByteBuffer copy = ByteBuffer.allocate(len);
              copy.put(0, b, off, len);
              sent.add(copy);
            },
            new SplittableRandom(1));
  }

  private void receive(ByteBuffer packet) {
    iface.receive(0, packet, 0, packet.capacity());
  }

  @Nested
  class Echo {
    @Test
    void shouldAnswerIcmpv4EchoWithTheSameData() {
      receive(Fixtures.buffer(Fixtures.ICMP4_ECHO));
      assertThat(sent).hasSize(1);
      ByteBuffer reply = sent.get(0);
      Ipv4Packet ip = new Ipv4Packet().wrap(reply, 0, reply.capacity());
      assertThat(ip.checkLength()).isZero();
      assertThat(ip.verifyChecksum()).isTrue();
      assertThat(ip.source()).isEqualTo(LOCAL4.v4());
      assertThat(ip.destination()).isEqualTo(REMOTE4.v4());
      IcmpEchoPacket echo = new IcmpEchoPacket().wrap(reply, 20, ip.payloadLength());
      assertThat(echo.type()).isEqualTo(IcmpEchoPacket.V4_ECHO_REPLY);
      assertThat(echo.identifier()).isEqualTo(0x1234);
      assertThat(echo.sequence()).isEqualTo(1);
      assertThat(echo.verifyChecksum(0)).isTrue();
      byte[] data = new byte[8];
      reply.get(echo.dataOffset(), data);
      assertThat(new String(data)).isEqualTo("pingdata");
      assertThat(iface.stats().echoRequestsAnswered()).isEqualTo(1);
    }

    @Test
    void shouldAnswerIcmpv6Echo() {
      receive(Fixtures.buffer(Fixtures.ICMP6_ECHO));
      ByteBuffer reply = sent.get(0);
      Ipv6Packet ip = new Ipv6Packet().wrap(reply, 0, reply.capacity());
      assertThat(ip.checkLength()).isZero();
      assertThat(ip.upperProtocol()).isEqualTo(IpProtocol.ICMPV6);
      IcmpEchoPacket echo = new IcmpEchoPacket().wrap(reply, 40, ip.upperLength());
      assertThat(echo.type()).isEqualTo(IcmpEchoPacket.V6_ECHO_REPLY);
      assertThat(echo.verifyChecksum(Checksum.pseudoHeaderV6(reply, 0, IpProtocol.ICMPV6, 16)))
          .isTrue();
    }

    @Test
    void shouldMeasureARoundTripWithAPingSocket() {
      PingSocket ping = iface.openPing();
      iface.ping(ping, REMOTE4, 7);
      iface.poll(5 * SECOND);
      ByteBuffer request = sent.remove(0);
      // Turn the request into the reply the remote would send.
      IcmpEchoPacket echo = new IcmpEchoPacket().wrap(request, 20, request.capacity() - 20);
      assertThat(echo.type()).isEqualTo(IcmpEchoPacket.V4_ECHO_REQUEST);
      IpHeader.emit(request, 0, REMOTE4, LOCAL4, IpProtocol.ICMP, request.capacity() - 20, 9);
      echo.setType(IcmpEchoPacket.V4_ECHO_REPLY);
      echo.fillChecksum(0);
      assertThat(ping.roundTrip(7)).isEqualTo(-1);
      iface.receive(5 * SECOND + 3_000_000, request, 0, request.capacity());
      assertThat(ping.roundTrip(7)).isEqualTo(3_000_000);
    }
  }

  @Nested
  class Drops {
    @Test
    void shouldCountBadIpv4HeaderChecksum() {
      ByteBuffer p = Fixtures.buffer(Fixtures.ICMP4_ECHO);
      p.put(10, (byte) (p.get(10) ^ 1));
      receive(p);
      assertThat(sent).isEmpty();
      assertThat(iface.stats().droppedBadChecksum()).isEqualTo(1);
    }

    @Test
    void shouldCountBadUpperLayerChecksum() {
      ByteBuffer p = Fixtures.buffer(Fixtures.ICMP4_ECHO);
      p.put(30, (byte) (p.get(30) ^ 1));
      receive(p);
      assertThat(iface.stats().droppedBadChecksum()).isEqualTo(1);
    }

    @Test
    void shouldCountPacketsForOtherAddresses() {
      receive(Fixtures.buffer(Fixtures.UDP4));
      receive(Fixtures.buffer(Fixtures.TCP6_SYN));
      assertThat(iface.stats().droppedNotForUs()).isEqualTo(2);
    }

    @Test
    void shouldCountTruncatedAndMalformedPackets() {
      byte[] echo = Fixtures.bytes(Fixtures.ICMP4_ECHO);
      iface.receive(0, ByteBuffer.wrap(echo), 0, 30);
      iface.receive(0, ByteBuffer.allocate(0), 0, 0);
      iface.receive(0, ByteBuffer.wrap(new byte[] {0x10, 0, 0, 0}), 0, 4);
      assertThat(iface.stats().droppedTruncated()).isEqualTo(2);
      assertThat(iface.stats().droppedMalformed()).isEqualTo(1);
      assertThat(iface.stats().rxPackets()).isEqualTo(3);
    }

    @Test
    void shouldCountALengthBeyondTheBufferInsteadOfThrowing() {
      iface.receive(0, ByteBuffer.allocate(10), 5, 10);
      iface.receive(0, ByteBuffer.allocate(10), -1, 5);
      assertThat(iface.stats().droppedMalformed()).isEqualTo(2);
    }

    @Test
    void shouldAnswerUdpToAnUnboundPortWithPortUnreachable() {
      ByteBuffer datagram = udpDatagram(5557, new byte[10]);
      receive(datagram);
      assertThat(iface.stats().droppedNoSocket()).isEqualTo(1);
      ByteBuffer error = sent.get(0);
      Ipv4Packet ip = new Ipv4Packet().wrap(error, 0, error.capacity());
      assertThat(ip.checkLength()).isZero();
      assertThat(ip.protocol()).isEqualTo(IpProtocol.ICMP);
      assertThat(ip.destination()).isEqualTo(REMOTE4.v4());
      IcmpEchoPacket icmp = new IcmpEchoPacket().wrap(error, 20, ip.payloadLength());
      assertThat(icmp.type()).isEqualTo(IcmpEchoPacket.V4_DESTINATION_UNREACHABLE);
      assertThat(icmp.code()).isEqualTo(3);
      assertThat(icmp.verifyChecksum(0)).isTrue();
      byte[] quoted = new byte[datagram.capacity()];
      error.get(28, quoted);
      assertThat(quoted).isEqualTo(datagram.array());
    }

    @Test
    void shouldRateLimitIcmpErrors() {
      for (int i = 0; i < 50; i++) {
        iface.receive(0, udpDatagram(5557, new byte[1]), 0, 29);
      }
      assertThat(iface.stats().unreachablesSent()).isEqualTo(10);
      ByteBuffer later = udpDatagram(5557, new byte[1]);
      iface.receive(20_000_000L, later, 0, 29);
      assertThat(iface.stats().unreachablesSent()).isEqualTo(11);
    }
  }

  private static ByteBuffer udpDatagram(int port, byte[] payload) {
    int udpLength = 8 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(20 + udpLength);
    b.put(28, payload);
    IpHeader.emit(b, 0, REMOTE4, LOCAL4, IpProtocol.UDP, udpLength, 77);
    UdpPacket udp = new UdpPacket().wrap(b, 20, udpLength);
    udp.emit(3333, port, payload.length);
    udp.fillChecksum(IpHeader.pseudoHeader(REMOTE4, LOCAL4, IpProtocol.UDP, udpLength));
    return b;
  }

  /**
   * Splits an IPv4 packet with a 20-byte header into fragments of at most {@code chunk} payload
   * bytes.
   */
  private static List<ByteBuffer> fragment(ByteBuffer whole, int chunk) {
    List<ByteBuffer> out = new ArrayList<>();
    int payload = whole.capacity() - 20;
    for (int off = 0; off < payload; off += chunk) {
      int n = Math.min(chunk, payload - off);
      ByteBuffer f = ByteBuffer.allocate(20 + n);
      f.put(0, whole, 0, 20);
      f.put(20, whole, 20 + off, n);
      Ipv4Packet ip = new Ipv4Packet().wrap(f, 0, 20 + n);
      ip.setTotalLength(20 + n);
      f.putShort(6, (short) 0);
      ip.setFragment(off + n < payload, off);
      out.add(f);
    }
    return out;
  }

  @Nested
  class Udp {
    @Test
    void shouldDeliverDatagramsAndSendReplies() {
      UdpSocket socket = iface.bindUdp(IpAddress.V4_ANY, 5557, 64 * 1024);
      receive(udpDatagram(5557, "hello".getBytes()));
      ByteBuffer into = ByteBuffer.allocate(100);
      assertThat(socket.recv(into)).isEqualTo(5);
      assertThat(socket.lastPeer()).isEqualTo(REMOTE4);
      assertThat(socket.lastPeerPort()).isEqualTo(3333);
      assertThat(socket.sendTo(ByteBuffer.wrap("world".getBytes()), REMOTE4, 3333)).isTrue();
      iface.poll(0);
      ByteBuffer reply = sent.get(0);
      UdpPacket udp = new UdpPacket().wrap(reply, 20, reply.capacity() - 20);
      assertThat(udp.checkLength()).isZero();
      assertThat(udp.destinationPort()).isEqualTo(3333);
      assertThat(udp.verifyChecksum(Checksum.pseudoHeaderV4(reply, 0, IpProtocol.UDP, 13), false))
          .isTrue();
    }
  }

  @Nested
  class Reassembly {
    @Test
    void shouldReassembleFragmentsArrivingOutOfOrder() {
      UdpSocket socket = iface.bindUdp(IpAddress.V4_ANY, 5557, 64 * 1024);
      byte[] payload = new byte[4000];
      new SplittableRandom(3).nextBytes(payload);
      List<ByteBuffer> fragments = fragment(udpDatagram(5557, payload), 1480);
      assertThat(fragments).hasSize(3);
      receive(fragments.get(2));
      receive(fragments.get(0));
      assertThat(socket.hasDatagram()).isFalse();
      receive(fragments.get(1));
      ByteBuffer into = ByteBuffer.allocate(5000);
      assertThat(socket.recv(into)).isEqualTo(4000);
      assertThat(java.util.Arrays.copyOf(into.array(), 4000)).isEqualTo(payload);
      assertThat(iface.stats().fragmentsReceived()).isEqualTo(3);
      assertThat(iface.stats().datagramsReassembled()).isEqualTo(1);
    }

    @Test
    void shouldReassembleIpv6Fragments() {
      UdpSocket socket = iface.bindUdp(IpAddress.V6_ANY, 5557, 64 * 1024);
      IpAddress remote6 = IpAddress.parse("fd00::1");
      byte[] payload = new byte[3000];
      new SplittableRandom(4).nextBytes(payload);
      int udpLength = 8 + payload.length;
      ByteBuffer whole = ByteBuffer.allocate(40 + udpLength);
      whole.put(48, payload);
      IpHeader.emit(whole, 0, remote6, LOCAL6, IpProtocol.UDP, udpLength, 0);
      UdpPacket udp = new UdpPacket().wrap(whole, 40, udpLength);
      udp.emit(3333, 5557, payload.length);
      udp.fillChecksum(IpHeader.pseudoHeader(remote6, LOCAL6, IpProtocol.UDP, udpLength));
      List<ByteBuffer> fragments = new ArrayList<>();
      for (int off = 0; off < udpLength; off += 1232) {
        int n = Math.min(1232, udpLength - off);
        ByteBuffer f = ByteBuffer.allocate(48 + n);
        f.put(0, whole, 0, 40);
        f.putShort(4, (short) (8 + n));
        f.put(6, (byte) IpProtocol.IPV6_FRAGMENT);
        f.put(40, (byte) IpProtocol.UDP);
        f.putShort(42, (short) (off | (off + n < udpLength ? 1 : 0)));
        f.putInt(44, 0xCAFE);
        f.put(48, whole, 40 + off, n);
        fragments.add(f);
      }
      assertThat(fragments).hasSize(3);
      receive(fragments.get(1));
      receive(fragments.get(2));
      receive(fragments.get(0));
      ByteBuffer into = ByteBuffer.allocate(5000);
      assertThat(socket.recv(into)).isEqualTo(3000);
      assertThat(java.util.Arrays.copyOf(into.array(), 3000)).isEqualTo(payload);
      assertThat(iface.stats().datagramsReassembled()).isEqualTo(1);
    }

    @Test
    void shouldExpireAnIncompleteDatagram() {
      List<ByteBuffer> fragments = fragment(udpDatagram(5557, new byte[3000]), 1480);
      receive(fragments.get(0));
      assertThat(iface.nextDeadline()).isEqualTo(30 * SECOND);
      iface.poll(30 * SECOND - 1);
      assertThat(iface.stats().reassemblyTimeouts()).isZero();
      iface.poll(30 * SECOND);
      assertThat(iface.stats().reassemblyTimeouts()).isEqualTo(1);
      assertThat(iface.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldEvictTheOldestDatagramWhenAllSlotsAreBusy() {
      for (int id = 0; id < 5; id++) {
        ByteBuffer d = udpDatagram(5557, new byte[3000]);
        d.putShort(4, (short) id);
        ByteBuffer first = fragment(d, 1480).get(0);
        iface.receive(id, first, 0, first.capacity());
      }
      assertThat(iface.stats().reassemblyDropped()).isEqualTo(1);
    }

    @Test
    void shouldDropFragmentsWithMisalignedLengths() {
      ByteBuffer d = udpDatagram(5557, new byte[3000]);
      ByteBuffer f = fragment(d, 1001).get(0);
      receive(f);
      assertThat(iface.stats().reassemblyDropped()).isEqualTo(1);
    }
  }

  @Test
  void shouldRejectASecondListenerOnAPort() {
    iface.listen(IpAddress.V4_ANY, 80, 1, TcpConfig.defaults());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> iface.listen(IpAddress.V4_ANY, 80, 1, TcpConfig.defaults()))
        .isInstanceOf(IllegalStateException.class);
  }
}
