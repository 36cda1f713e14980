package io.weft.magicsock;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.NodeKey;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.testing.Await;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.PeerPaths;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Constants;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.ManualClock;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two nodes homed on two relays that do not mesh: each sends to the other's home region (as
 * Tailscale does), connecting to it ahead of the first packet.
 */
class MagicBindRegionsTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final SecureRandom RANDOM = new SecureRandom();

  static BindFactory.NodeKeys keys() {
    NoisePrivateKey n = NoisePrivateKey.generate(RANDOM);
    DiscoPrivateKey d = DiscoPrivateKey.generate(RANDOM);
    return new BindFactory.NodeKeys(n, n.publicKey(), d, d.publicKey());
  }

  static RelayMap.Region region(int id, InetSocketAddress a) {
    return new RelayMap.Region(
        id, "r" + id, List.of(new RelayMap.Relay("r" + id, "127.0.0.1", a.getPort(), 0)));
  }

  @Test
  void eachSideSendsToThePeersHomeRegion() throws Exception {
    ManualClock clock = new ManualClock();
    MagicBind.Options opt =
        MagicBind.Options.defaults()
            .withClock(clock)
            .withTickInterval(null)
            .withRelayUri(r -> URI.create("http://" + r.hostName() + ":" + r.relayPort() + "/derp"))
            .withUdp(UdpBind::new)
            .withInterfaceEndpoints(false);
    try (DerpServer relay1 =
            DerpServer.builder(NoisePrivateKey.generate(RANDOM))
                .admission(Admission.acceptAny())
                .ioThreads(1)
                .build();
        DerpServer relay2 =
            DerpServer.builder(NoisePrivateKey.generate(RANDOM))
                .admission(Admission.acceptAny())
                .ioThreads(1)
                .build();
        DatagramChannel blackHole =
            DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      RelayMap.Region r1 = region(1, relay1.listen(new InetSocketAddress("127.0.0.1", 0), null));
      RelayMap.Region r2 = region(2, relay2.listen(new InetSocketAddress("127.0.0.1", 0), null));
      BindFactory.NodeKeys ka = keys();
      BindFactory.NodeKeys kb = keys();
      MagicBind bindA =
          (MagicBind)
              MagicBind.factory(opt)
                  .create(ka, new RelayMap(List.of(r1, r2)), BindFactory.EndpointListener.NONE);
      MagicBind bindB =
          (MagicBind)
              MagicBind.factory(opt)
                  .create(kb, new RelayMap(List.of(r2, r1)), BindFactory.EndpointListener.NONE);
      MemoryTun tunA = new MemoryTun(1420);
      MemoryTun tunB = new MemoryTun(1420);
      Device a = new Device(tunA, bindA, clock, System.getLogger("test"));
      Device b = new Device(tunB, bindB, clock, System.getLogger("test"));
      try {
        a.setCryptoWorkers(0);
        b.setCryptoWorkers(0);
        a.setPrivateKey(ka.nodePrivate());
        b.setPrivateKey(kb.nodePrivate());
        a.up(false);
        b.up(false);
        assertThat(bindA.homeRegion()).isEqualTo(1);
        assertThat(bindB.homeRegion()).isEqualTo(2);
        InetSocketAddress wrong = (InetSocketAddress) blackHole.getLocalAddress();
        Peer bOnA = a.addPeer(kb.nodePublic());
        Peer aOnB = b.addPeer(ka.nodePublic());
        byte[] ipA = Packets.v4(10, 0, 0, 1);
        byte[] ipB = Packets.v4(10, 0, 0, 2);
        a.addAllowedIp(bOnA, ipB, 32);
        b.addAllowedIp(aOnB, ipA, 32);
        bOnA.setEndpoint(
            bindA.endpointFor(new PeerPaths(kb.nodePublic(), kb.discoPublic(), List.of(wrong), 2)));
        aOnB.setEndpoint(
            bindB.endpointFor(new PeerPaths(ka.nodePublic(), ka.discoPublic(), List.of(wrong), 1)));
        NodeKey nodeA = NodeKey.of(ka.nodePublic());
        NodeKey nodeB = NodeKey.of(kb.nodePublic());
        Await.until(
            "each node on its home relay and on the peer's",
            WAIT,
            () ->
                relay1.isConnected(nodeA)
                    && relay2.isConnected(nodeA)
                    && relay2.isConnected(nodeB)
                    && relay1.isConnected(nodeB));

        byte[] p = Packets.udp4(ipA, ipB, 1000, 2000, "to B's home".getBytes());
        tunA.inject(p);
        assertThat(take(tunB, clock, a, b)).isEqualTo(p);
        byte[] back = Packets.udp4(ipB, ipA, 2000, 1000, "to A's home".getBytes());
        tunB.inject(back);
        assertThat(take(tunA, clock, a, b)).isEqualTo(back);
        assertThat(bindA.directPath(kb.nodePublic())).isNull();
      } finally {
        a.close();
        b.close();
      }
    }
  }

  /**
   * The next packet out of {@code tun}. A first handshake message can be sent while a relay
   * connection is still completing its own handshake (the relay counts the client connected before
   * the client has read ServerInfo) and is then lost; WireGuard retries after REKEY_TIMEOUT, which
   * on the manual clock only passes when the test moves it.
   */
  static byte[] take(MemoryTun tun, ManualClock clock, Device... devices) throws Exception {
    for (int attempt = 0; attempt < 4; attempt++) {
      byte[] got = tun.take(5);
      if (got != null) {
        return got;
      }
      clock.advance(Duration.ofNanos(Constants.REKEY_TIMEOUT_NANOS).plusSeconds(1));
      for (Device d : devices) {
        d.pollTimers();
      }
    }
    return null;
  }
}
