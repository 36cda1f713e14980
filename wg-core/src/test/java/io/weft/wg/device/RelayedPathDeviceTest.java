package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.testing.TwoSourceNetwork;
import io.weft.wg.time.ManualClock;
import io.weft.wg.uapi.Uapi;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code Endpoint} seam with a path that has no address (a relay) and a bind with two sources
 * (UDP and relay, one receive loop each): handshakes, cookies, rate limiting, roaming and UAPI work
 * on the endpoint's identity alone, and packets from both sources reach the TUN.
 */
class RelayedPathDeviceTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final byte[] IP_A = Packets.v4(10, 0, 0, 1);
  static final byte[] IP_B = Packets.v4(10, 0, 0, 2);
  static final System.Logger LOG = System.getLogger("test");

  final ManualClock clock = new ManualClock();
  final TwoSourceNetwork net = new TwoSourceNetwork();
  final TwoSourceNetwork.TwoSourceBind bindA = net.bind("a");
  final TwoSourceNetwork.TwoSourceBind bindB = net.bind("b");
  final MemoryTun tunA = new MemoryTun(1420);
  final MemoryTun tunB = new MemoryTun(1420);
  Device a;
  Device b;
  Peer bOnA;
  Peer aOnB;

  @BeforeEach
  void setUp() throws Exception {
    SecureRandom r = new SecureRandom();
    NoisePrivateKey keyA = NoisePrivateKey.generate(r);
    NoisePrivateKey keyB = NoisePrivateKey.generate(r);
    a = new Device(tunA, bindA, clock, LOG);
    b = new Device(tunB, bindB, clock, LOG);
    a.setCryptoWorkers(0);
    b.setCryptoWorkers(0);
    a.setPrivateKey(keyA);
    b.setPrivateKey(keyB);
    a.up(false);
    b.up(false);
    bOnA = a.addPeer(keyB.publicKey());
    aOnB = b.addPeer(keyA.publicKey());
    a.addAllowedIp(bOnA, IP_B, 32);
    b.addAllowedIp(aOnB, IP_A, 32);
    bOnA.setEndpoint(a.parseEndpoint("relay:b"));
  }

  @AfterEach
  void tearDown() {
    a.close();
    b.close();
  }

  private byte[] aToB(String text) {
    return Packets.udp4(IP_A, IP_B, 1000, 2000, text.getBytes());
  }

  private byte[] bToA(String text) {
    return Packets.udp4(IP_B, IP_A, 2000, 1000, text.getBytes());
  }

  @Test
  void shouldRunOneReceiveLoopPerBindSource() {
    assertThat(a.thread("weft-receiver")).isNotNull();
    assertThat(a.thread("weft-receiver-2")).as("the relay source's loop").isNotNull();
  }

  @Test
  void shouldCarryTrafficOverAPathWithoutAnAddress() throws Exception {
    byte[] p = aToB("over the relay");
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
    byte[] back = bToA("back over the relay");
    tunB.inject(back);
    assertThat(tunA.take(10)).isEqualTo(back);

    assertThat(aOnB.endpoint().destination()).as("B learned A's relayed path").isNull();
    assertThat(aOnB.endpoint().destinationString()).isEqualTo("relay:a");
    assertThat(bindB.receivedRelay.get()).isPositive();
    assertThat(bindB.receivedUdp.get()).isZero();
    StringWriter uapi = new StringWriter();
    new Uapi(b).get(uapi);
    assertThat(uapi.toString())
        .as("no wg(8) endpoint for a path without an address")
        .contains("public_key=")
        .doesNotContain("endpoint=");
  }

  @Test
  void shouldMergeBothSourcesAndRoamByIdentity() throws Exception {
    tunA.inject(aToB("handshake over the relay"));
    assertThat(tunB.take(10)).isNotNull();
    // B switches to A's UDP address; A roams to B's UDP path when it hears from it there.
    aOnB.setEndpoint(b.parseEndpoint("127.0.0.1:" + a.listenPort()));
    byte[] viaUdp = bToA("over UDP");
    tunB.inject(viaUdp);
    assertThat(tunA.take(10)).isEqualTo(viaUdp);
    assertThat(bindA.receivedUdp.get()).isPositive();
    assertThat(bOnA.endpoint().destination()).as("A roamed to B's UDP path").isNotNull();
    assertThat(bOnA.endpoint().destination().getPort()).isEqualTo(b.listenPort());

    // The relay still delivers, on its own loop, while the UDP loop is idle.
    long relayBefore = bindA.receivedRelay.get();
    aOnB.setEndpoint(b.parseEndpoint("relay:a"));
    byte[] viaRelay = bToA("over the relay again");
    tunB.inject(viaRelay);
    assertThat(tunA.take(10)).isEqualTo(viaRelay);
    assertThat(bindA.receivedRelay.get()).isGreaterThan(relayBefore);
    assertThat(bOnA.endpoint().destinationString()).isEqualTo("relay:b");
  }

  @Test
  void shouldKeepTheEndpointWhenAnotherObjectHasTheSameIdentity() throws Exception {
    tunA.inject(aToB("handshake"));
    assertThat(tunB.take(10)).isNotNull();
    Endpoint learned = aOnB.endpoint();
    Endpoint twin = new TwoSourceNetwork.RelayEndpoint("a", learned.identity().clone());
    aOnB.setEndpoint(twin);
    tunA.inject(aToB("again"));
    assertThat(tunB.take(10)).isNotNull();
    assertThat(aOnB.endpoint()).as("same identity: no roaming").isSameAs(twin);
  }

  @Test
  void shouldDemandACookieBoundToTheIdentityUnderLoad() throws Exception {
    b.setUnderLoadForced(true);
    tunA.inject(aToB("under load"));
    Await.until(
        "B sends a cookie reply over the relay",
        WAIT,
        () -> b.stats().cookieRepliesSent.sum() == 1);
    Await.until("A holds the cookie", WAIT, () -> bOnA.cookieGenerator.hasFreshCookie());
    clock.advanceNanos(Constants.REKEY_TIMEOUT_NANOS + Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS);
    Await.until(
        "the retry with mac2 passes the cookie check and the identity's rate limit",
        WAIT,
        () -> {
          a.pollTimers();
          return bOnA.currentKeypair() != null;
        });
    assertThat(tunB.take(10)).isNotNull();
    assertThat(b.stats().handshakeRateLimited.sum()).isZero();
    assertThat(b.rateLimiter.size()).as("one bucket, keyed by the relayed identity").isEqualTo(1);
  }
}
