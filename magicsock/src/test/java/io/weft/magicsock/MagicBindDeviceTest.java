package io.weft.magicsock;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.NodeKey;
import io.weft.derp.server.Admission;
import io.weft.derp.server.DerpServer;
import io.weft.derp.server.StunServer;
import io.weft.testing.Await;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.PeerPaths;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.device.Keypair;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two wg-core devices over two MagicBinds with a Weft relay between them, on loopback and a manual
 * clock: relayed while the candidates are wrong (UDP "blocked"), direct after a disco pong with the
 * WireGuard session intact, and relayed-and-direct again once the trust expires.
 */
class MagicBindDeviceTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final byte[] IP_A = Packets.v4(10, 0, 0, 1);
  static final byte[] IP_B = Packets.v4(10, 0, 0, 2);
  static final System.Logger LOG = System.getLogger("test");
  static final SecureRandom RANDOM = new SecureRandom();

  final ManualClock clock = new ManualClock();
  final MemoryTun tunA = new MemoryTun(1420);
  final MemoryTun tunB = new MemoryTun(1420);
  DerpServer relay;
  int relayPort;
  StunServer stun;
  final List<List<InetSocketAddress>> told = new java.util.concurrent.CopyOnWriteArrayList<>();
  MagicBind.Options options;
  DatagramChannel blackHole;
  BindFactory.NodeKeys keysA;
  BindFactory.NodeKeys keysB;
  MagicBind bindA;
  MagicBind bindB;
  Device a;
  Device b;
  Peer bOnA;
  Peer aOnB;

  static BindFactory.NodeKeys keys() {
    NoisePrivateKey n = NoisePrivateKey.generate(RANDOM);
    DiscoPrivateKey d = DiscoPrivateKey.generate(RANDOM);
    return new BindFactory.NodeKeys(n, n.publicKey(), d, d.publicKey());
  }

  @BeforeEach
  void setUp() throws Exception {
    relay =
        DerpServer.builder(NoisePrivateKey.generate(RANDOM))
            .admission(Admission.acceptAny())
            .ioThreads(1)
            .build();
    InetSocketAddress ra = relay.listen(new InetSocketAddress("127.0.0.1", 0), null);
    relayPort = ra.getPort();
    stun =
        StunServer.bind(
            relay.eventLoopGroup(), new InetSocketAddress("127.0.0.1", 0), relay.metrics());
    RelayMap map =
        new RelayMap(
            List.of(
                new RelayMap.Region(
                    1,
                    "lo",
                    List.of(
                        new RelayMap.Relay(
                            "lo1", "127.0.0.1", ra.getPort(), stun.localAddress().getPort())))));
    MagicBind.Options opt =
        MagicBind.Options.defaults()
            .withClock(clock)
            .withTickInterval(null)
            .withRelayUri(r -> URI.create("http://" + r.hostName() + ":" + r.relayPort() + "/derp"))
            .withUdp(UdpBind::new)
            .withInterfaceEndpoints(false);
    options = opt;
    keysA = keys();
    keysB = keys();
    bindA =
        (MagicBind) MagicBind.factory(opt).create(keysA, map, BindFactory.EndpointListener.NONE);
    bindB = (MagicBind) MagicBind.factory(opt).create(keysB, map, told::add);
    a = new Device(tunA, bindA, clock, LOG);
    b = new Device(tunB, bindB, clock, LOG);
    a.setCryptoWorkers(0);
    b.setCryptoWorkers(0);
    a.setPrivateKey(keysA.nodePrivate());
    b.setPrivateKey(keysB.nodePrivate());
    a.up(false);
    b.up(false);
    Await.until(
        "both binds on the relay",
        WAIT,
        () ->
            relay.isConnected(NodeKey.of(keysA.nodePublic()))
                && relay.isConnected(NodeKey.of(keysB.nodePublic())));
    bOnA = a.addPeer(keysB.nodePublic());
    aOnB = b.addPeer(keysA.nodePublic());
    a.addAllowedIp(bOnA, IP_B, 32);
    b.addAllowedIp(aOnB, IP_A, 32);
    // "UDP blocked": each side's only candidate is a socket that never answers
    blackHole = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    InetSocketAddress wrong = (InetSocketAddress) blackHole.getLocalAddress();
    bOnA.setEndpoint(bindA.endpointFor(paths(keysB, wrong)));
    aOnB.setEndpoint(bindB.endpointFor(paths(keysA, wrong)));
  }

  static PeerPaths paths(BindFactory.NodeKeys k, InetSocketAddress candidate) {
    return new PeerPaths(k.nodePublic(), k.discoPublic(), List.of(candidate), 1);
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    b.close();
    stun.close();
    relay.close();
    blackHole.close();
  }

  private void roundTrip(String text) throws Exception {
    byte[] p = Packets.udp4(IP_A, IP_B, 1000, 2000, text.getBytes());
    tunA.inject(p);
    assertThat(tunB.take(10)).as("A→B: " + text).isEqualTo(p);
    byte[] back = Packets.udp4(IP_B, IP_A, 2000, 1000, ("re: " + text).getBytes());
    tunB.inject(back);
    assertThat(tunA.take(10)).as("B→A: " + text).isEqualTo(back);
  }

  @Test
  void relayedWhileUdpIsBlockedThenDirectAfterAPongWithTheSessionIntact() throws Exception {
    roundTrip("over the relay");
    assertThat(bindA.directPath(keysB.nodePublic())).isNull();
    assertThat(bindB.directPath(keysA.nodePublic())).isNull();
    assertThat(bindA.stats().sentRelay.sum()).isPositive();
    assertThat(bindB.stats().receivedRelay.sum()).isPositive();
    assertThat(bindB.stats().receivedUdp.sum()).as("nothing reached B's socket").isZero();
    assertThat(bindA.stats().discoPingsSent.sum()).as("A probed the wrong candidate").isPositive();
    Keypair sessionA = bOnA.currentKeypair();
    Keypair sessionB = aOnB.currentKeypair();
    long handshakes = a.stats().handshakesCompleted.sum() + b.stats().handshakesCompleted.sum();
    assertThat(sessionA).isNotNull();

    // The network map now has the right address for B (A's side only: B learns A from the ping).
    InetSocketAddress bAddr = new InetSocketAddress("127.0.0.1", b.listenPort());
    Endpoint same = bindA.endpointFor(paths(keysB, bAddr));
    assertThat(same).as("one endpoint per peer, named by node key").isSameAs(bOnA.endpoint());
    Await.until(
        "both sides trust the direct path",
        WAIT,
        () ->
            bindA.directPath(keysB.nodePublic()) != null
                && bindB.directPath(keysA.nodePublic()) != null);
    assertThat(bindA.directPath(keysB.nodePublic())).isEqualTo(bAddr);
    assertThat(bindB.directPath(keysA.nodePublic()).getPort()).isEqualTo(a.listenPort());

    long relayedA = bindA.stats().sentRelay.sum();
    long relayedB = bindB.stats().sentRelay.sum();
    long udpInB = bindB.stats().receivedUdp.sum();
    roundTrip("direct");
    assertThat(bindA.stats().sentRelay.sum())
        .as("A sent nothing more via the relay")
        .isEqualTo(relayedA);
    assertThat(bindB.stats().sentRelay.sum()).isEqualTo(relayedB);
    assertThat(bindB.stats().receivedUdp.sum()).isGreaterThan(udpInB);
    assertThat(bOnA.currentKeypair()).as("the same WireGuard session").isSameAs(sessionA);
    assertThat(aOnB.currentKeypair()).isSameAs(sessionB);
    assertThat(a.stats().handshakesCompleted.sum() + b.stats().handshakesCompleted.sum())
        .as("no new handshake")
        .isEqualTo(handshakes);
    assertThat(bOnA.endpoint()).as("WireGuard never saw a path change").isSameAs(same);
  }

  @Test
  void expiredTrustSendsOverBothPathsAndReprobes() throws Exception {
    roundTrip("relay first");
    bindA.endpointFor(paths(keysB, new InetSocketAddress("127.0.0.1", b.listenPort())));
    Await.until("A trusts B's address", WAIT, () -> bindA.directPath(keysB.nodePublic()) != null);

    clock.advance(Duration.ofMillis(6400));
    assertThat(bindA.directPath(keysB.nodePublic())).as("still trusted at 6.4 s").isNotNull();
    clock.advance(Duration.ofMillis(200));
    assertThat(bindA.directPath(keysB.nodePublic())).as("no pong for 6.6 s").isNull();

    long relayed = bindA.stats().sentRelay.sum();
    long udp = bindA.stats().sentUdp.sum();
    long pings = bindA.stats().discoPingsSent.sum();
    byte[] p = Packets.udp4(IP_A, IP_B, 1000, 2000, "both ways".getBytes());
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
    Await.until(
        "the packet went to the relay and to the stale address",
        WAIT,
        () -> bindA.stats().sentRelay.sum() > relayed && bindA.stats().sentUdp.sum() > udp);
    assertThat(bindA.stats().discoPingsSent.sum()).as("sending re-probed").isGreaterThan(pings);
    Await.until(
        "trusted again after the new pong",
        WAIT,
        () -> bindA.directPath(keysB.nodePublic()) != null);
  }

  @Test
  void heartbeatsKeepAPathInUseTrusted() throws Exception {
    roundTrip("relay first");
    bindA.endpointFor(paths(keysB, new InetSocketAddress("127.0.0.1", b.listenPort())));
    Await.until("A trusts B's address", WAIT, () -> bindA.directPath(keysB.nodePublic()) != null);
    roundTrip("direct, so the path is in use");
    for (int i = 1; i <= 4; i++) {
      clock.advance(MagicBind.HEARTBEAT);
      long pongs = bindA.stats().discoPongsReceived.sum();
      bindA.tick();
      Await.until(
          "heartbeat " + i + " answered",
          WAIT,
          () -> bindA.stats().discoPongsReceived.sum() > pongs);
      assertThat(bindA.directPath(keysB.nodePublic())).as("trusted after %d s", 3 * i).isNotNull();
    }
    long relayed = bindA.stats().sentRelay.sum();
    roundTrip("still direct after 12 s");
    assertThat(bindA.stats().sentRelay.sum()).isEqualTo(relayed);
  }

  @Test
  void stunOnTheSharedSocketAndCallMeMaybeOverTheRelayGiveADirectPath() throws Exception {
    roundTrip("over the relay");
    // B learns its address from the relay's STUN server through its one socket...
    bindB.probeStun();
    InetSocketAddress bAddr = new InetSocketAddress("127.0.0.1", b.listenPort());
    Await.until(
        "B's STUN answer came back on the shared socket",
        WAIT,
        () -> bindB.localEndpoints().equals(List.of(bAddr)));
    assertThat(bindB.stats().stunResponses.sum()).isEqualTo(1);
    assertThat(told).contains(List.of(bAddr));
    assertThat(bindA.directPath(keysB.nodePublic())).isNull();
    // ...and, at its next ping round, tells A over the relay; A's network map stays wrong.
    clock.advance(options.pingInterval());
    bindB.tick();
    Await.until(
        "A got the call-me-maybe and both trust the direct path",
        WAIT,
        () ->
            bindA.stats().callMeMaybeReceived.sum() == 1
                && bindA.directPath(keysB.nodePublic()) != null
                && bindB.directPath(keysA.nodePublic()) != null);
    assertThat(bindA.directPath(keysB.nodePublic())).isEqualTo(bAddr);
    long relayed = bindA.stats().sentRelay.sum();
    roundTrip("direct via the STUN-mapped endpoint");
    assertThat(bindA.stats().sentRelay.sum()).isEqualTo(relayed);
  }

  @Test
  void garbageOnTheSocketIsDroppedAndCounted() throws Exception {
    roundTrip("warm up");
    try (DatagramChannel ch = DatagramChannel.open()) {
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", b.listenPort());
      byte[] fakeDisco = new byte[100];
      System.arraycopy(io.weft.magicsock.disco.DiscoPacket.MAGIC, 0, fakeDisco, 0, 6);
      ch.send(java.nio.ByteBuffer.wrap(fakeDisco), to);
      byte[] stunJunk =
          io.weft.derp.stun.Stun.bindingResponse(io.weft.derp.stun.Stun.newTxId(), to);
      ch.send(java.nio.ByteBuffer.wrap(stunJunk), to);
      Await.until("both counted", WAIT, () -> bindB.stats().disco.unknownSender.sum() == 1);
      // seeded: random datagrams of every length up to 300, some with the disco magic or the
      // STUN cookie in front; none may stop the socket
      long seed = Long.getLong("weft.seed", System.nanoTime());
      java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
      for (int len = 0; len <= 300; len++) {
        byte[] d = new byte[len];
        r.nextBytes(d);
        if (len >= 62 && r.nextBoolean()) {
          System.arraycopy(io.weft.magicsock.disco.DiscoPacket.MAGIC, 0, d, 0, 6);
          System.arraycopy(keysA.discoPublic().key().toBytes(), 0, d, 6, 32);
        } else if (len >= 20 && r.nextBoolean()) {
          d[0] = 0x01;
          d[1] = 0x01;
          d[4] = 0x21;
          d[5] = 0x12;
          d[6] = (byte) 0xA4;
          d[7] = 0x42;
        }
        ch.send(java.nio.ByteBuffer.wrap(d), to);
      }
      Await.until(
          "disco-shaped garbage from A's key was opened and rejected (seed " + seed + ")",
          WAIT,
          () -> bindB.stats().disco.badBox.sum() > 0);
    }
    roundTrip("still working");
  }
}
