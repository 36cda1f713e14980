package io.weft.magicsock.netcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.server.DerpServer;
import io.weft.derp.server.StunServer;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A report against relays on loopback: two answering STUN servers, one silent, one TCP only. */
class NetcheckTest {
  @Test
  void reportsUdpTheMappedAddressAndLatencyPerRegion() throws Exception {
    try (DerpServer relay =
            DerpServer.builder(NoisePrivateKey.generate(new SecureRandom())).ioThreads(1).build();
        StunServer s1 =
            StunServer.bind(
                relay.eventLoopGroup(), new InetSocketAddress("127.0.0.1", 0), relay.metrics());
        StunServer s2 =
            StunServer.bind(
                relay.eventLoopGroup(), new InetSocketAddress("127.0.0.1", 0), relay.metrics());
        DatagramChannel silent =
            DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        ServerSocket tcpOnly =
            new ServerSocket(0, 5, java.net.InetAddress.getByName("127.0.0.1"))) {
      int silentPort = ((InetSocketAddress) silent.getLocalAddress()).getPort();
      RelayMap map =
          new RelayMap(
              List.of(
                  region(1, "one", 1, s1.localAddress().getPort()),
                  region(2, "two", 1, s2.localAddress().getPort()),
                  // no STUN answer: latency from a TCP connect to the relay port
                  region(3, "tcp", tcpOnly.getLocalPort(), silentPort),
                  // nothing at all
                  region(4, "dead", 1, silentPort)));
      Netcheck.Report r = new Netcheck(NanoClock.SYSTEM, Duration.ofMillis(500)).run(map);

      assertThat(r.udp()).isTrue();
      assertThat(r.globalV4().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
      assertThat(r.mappingVariesByDestIp()).as("one socket, no NAT: the same mapping").isFalse();
      assertThat(r.regionLatency()).containsOnlyKeys(1, 2, 3);
      Duration min = r.regionLatency().values().stream().min(Duration::compareTo).orElseThrow();
      assertThat(r.regionLatency().get(r.preferredRegion())).isEqualTo(min);
      String text = r.render(map);
      assertThat(text)
          .contains("* UDP: true")
          .contains("yes, 127.0.0.1:" + r.globalV4().getPort())
          .contains("- one: ")
          .contains("- dead: \n");
    }
  }

  @Test
  void noUdpWhenNoServerAnswers() throws Exception {
    try (DatagramChannel silent =
        DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      int port = ((InetSocketAddress) silent.getLocalAddress()).getPort();
      Netcheck.Report r =
          new Netcheck(NanoClock.SYSTEM, Duration.ofMillis(200))
              .run(new RelayMap(List.of(region(1, "x", 1, port))));
      assertThat(r.udp()).isFalse();
      assertThat(r.globalV4()).isNull();
      assertThat(r.mappingVariesByDestIp()).isNull();
      assertThat(r.preferredRegion()).isZero();
    }
  }

  static RelayMap.Region region(int id, String code, int relayPort, int stunPort) {
    return new RelayMap.Region(
        id, code, List.of(new RelayMap.Relay(code + "1", "127.0.0.1", relayPort, stunPort)));
  }
}
