package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryNetwork;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.ManualClock;
import io.weft.wg.wire.Messages;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two devices that start a handshake with each other at the same moment, on an in-memory network
 * that delivers in the crossing order: both initiations first, then both responses. The manual
 * clock never moves and no timer runs, so data can only flow if the crossed handshakes complete at
 * once rather than by the REKEY_TIMEOUT retry.
 */
class CrossingHandshakeTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final byte[] IP_A = Packets.v4(10, 0, 0, 1);
  static final byte[] IP_B = Packets.v4(10, 0, 0, 2);
  static final System.Logger LOG = System.getLogger("test");

  final MemoryNetwork network = new MemoryNetwork();
  ManualClock clock;
  MemoryTun tunA;
  MemoryTun tunB;
  Device a;
  Device b;
  Peer bOnA;
  Peer aOnB;

  @BeforeEach
  void setUp() throws Exception {
    clock = new ManualClock();
    SecureRandom r = new SecureRandom();
    NoisePrivateKey keyA = NoisePrivateKey.generate(r);
    NoisePrivateKey keyB = NoisePrivateKey.generate(r);
    tunA = new MemoryTun(1420);
    tunB = new MemoryTun(1420);
    a = new Device(tunA, network.newBind(), clock, LOG);
    b = new Device(tunB, network.newBind(), clock, LOG);
    a.setPrivateKey(NoisePrivateKey.of(DeviceTest.toBytes(keyA)));
    b.setPrivateKey(NoisePrivateKey.of(DeviceTest.toBytes(keyB)));
    a.up(false);
    b.up(false);
    bOnA = a.addPeer(keyB.publicKey());
    aOnB = b.addPeer(keyA.publicKey());
    a.addAllowedIp(bOnA, IP_B, 32);
    b.addAllowedIp(aOnB, IP_A, 32);
    bOnA.setEndpoint(a.parseEndpoint("127.0.0.1:" + b.listenPort()));
    aOnB.setEndpoint(b.parseEndpoint("127.0.0.1:" + a.listenPort()));
  }

  @AfterEach
  void tearDown() {
    a.close();
    b.close();
  }

  private static byte[] udp(byte[] src, byte[] dst, String text) {
    return Packets.udp4(src, dst, 1000, 2000, text.getBytes());
  }

  /** Both devices send an initiation; both cross; both answer; then the responses arrive. */
  private void crossHandshakes(byte[] fromA, byte[] fromB) throws Exception {
    network.hold();
    tunA.inject(fromA);
    tunB.inject(fromB);
    Await.until(
        "both initiations sent",
        WAIT,
        () -> network.countHeld(d -> d.type() == Messages.TYPE_INITIATION) == 2);
    assertThat(network.deliver(d -> d.type() == Messages.TYPE_INITIATION)).isEqualTo(2);
    Await.until(
        "each consumed the other's initiation and answered",
        WAIT,
        () -> network.countHeld(d -> d.type() == Messages.TYPE_RESPONSE) == 2);
    network.deliverAllAndStopHolding();
  }

  @Test
  void shouldCarryDataBothWaysAtOnceWhenHandshakesCross() throws Exception {
    long start = clock.nanoTime();
    byte[] fromA = udp(IP_A, IP_B, "from A");
    byte[] fromB = udp(IP_B, IP_A, "from B");

    crossHandshakes(fromA, fromB);

    assertThat(tunB.take(10)).as("A's staged packet reaches B without a retry").isEqualTo(fromA);
    assertThat(tunA.take(10)).as("B's staged packet reaches A without a retry").isEqualTo(fromB);
    assertThat(clock.nanoTime()).as("the clock never moved").isEqualTo(start);
    // The peer's data may overtake the response to our initiation; wait until both are processed.
    Await.until(
        "both responses consumed",
        WAIT,
        () -> a.stats().handshakesCompleted.sum() == 1 && b.stats().handshakesCompleted.sum() == 1);
    assertThat(a.stats().handshakeRejected.sum()).as("A accepted B's response").isZero();
    assertThat(b.stats().handshakeRejected.sum()).as("B accepted A's response").isZero();

    // Each side sends on its own initiator session and still opens the peer's, kept as previous.
    Keypair onA = bOnA.currentKeypair();
    Keypair onB = aOnB.currentKeypair();
    assertThat(onA.initiator()).isTrue();
    assertThat(onB.initiator()).isTrue();
    assertThat(bOnA.previous).as("A keeps its responder keypair of B's initiation").isNotNull();
    assertThat(aOnB.previous).isNotNull();
    assertThat(bOnA.previous.initiator()).isFalse();
    assertThat(aOnB.previous.initiator()).isFalse();
    assertThat(aOnB.previous.remoteIndex)
        .as("B's previous pairs with A's current")
        .isEqualTo(onA.localIndex);
    assertThat(aOnB.previous.localIndex).isEqualTo(onA.remoteIndex);
    assertThat(bOnA.previous.remoteIndex)
        .as("A's previous pairs with B's current")
        .isEqualTo(onB.localIndex);
    assertThat(bOnA.previous.localIndex).isEqualTo(onB.remoteIndex);
    assertThat(bOnA.next).isNull();
    assertThat(aOnB.next).isNull();

    for (int i = 0; i < 20; i++) {
      byte[] p = udp(IP_A, IP_B, "A " + i);
      byte[] q = udp(IP_B, IP_A, "B " + i);
      tunA.inject(p);
      tunB.inject(q);
      assertThat(tunB.take(10)).isEqualTo(p);
      assertThat(tunA.take(10)).isEqualTo(q);
    }
    assertThat(bOnA.currentKeypair()).as("no further handshake was needed").isSameAs(onA);
    assertThat(aOnB.currentKeypair()).isSameAs(onB);
    assertThat(clock.nanoTime()).isEqualTo(start);
  }

  @Test
  void shouldRefuseAReplayedResponseAfterTheCrossing() throws Exception {
    network.hold();
    tunA.inject(udp(IP_A, IP_B, "from A"));
    tunB.inject(udp(IP_B, IP_A, "from B"));
    Await.until(
        "both initiations sent",
        WAIT,
        () -> network.countHeld(d -> d.type() == Messages.TYPE_INITIATION) == 2);
    network.deliver(d -> d.type() == Messages.TYPE_INITIATION);
    Await.until(
        "both responses",
        WAIT,
        () -> network.countHeld(d -> d.type() == Messages.TYPE_RESPONSE) == 2);
    MemoryNetwork.Datagram toA =
        network.heldMatching(
            d -> d.type() == Messages.TYPE_RESPONSE && d.toPort() == a.listenPort());
    network.deliverAllAndStopHolding();
    assertThat(tunA.take(10)).isNotNull();
    Await.until("A consumed B's response", WAIT, () -> a.stats().handshakesCompleted.sum() == 1);
    Keypair current = bOnA.currentKeypair();
    assertThat(current.initiator()).isTrue();

    network.inject(toA);
    Await.until(
        "A refuses the replayed response", WAIT, () -> a.stats().handshakeRejected.sum() == 1);
    assertThat(bOnA.currentKeypair()).isSameAs(current);
    assertThat(a.stats().handshakesCompleted.sum()).isEqualTo(1);
  }

  @Test
  void shouldRefuseAResponseAfterRekeyTimeoutAndCompleteTheRetry() throws Exception {
    network.hold();
    byte[] p = udp(IP_A, IP_B, "late");
    tunA.inject(p);
    Await.until(
        "A's initiation sent",
        WAIT,
        () -> network.deliver(d -> d.type() == Messages.TYPE_INITIATION) == 1);
    Await.until(
        "B answered A's initiation",
        WAIT,
        () -> network.countHeld(d -> d.type() == Messages.TYPE_RESPONSE) == 1);
    clock.advanceNanos(Constants.REKEY_TIMEOUT_NANOS);
    network.deliverAllAndStopHolding();
    Await.until("A refuses the late response", WAIT, () -> a.stats().handshakeRejected.sum() == 1);
    assertThat(bOnA.currentKeypair()).isNull();
    assertThat(tunB.pending()).isZero();

    clock.advanceNanos(Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS + 1);
    a.pollTimers(); // the retry, with a fresh index and ephemeral
    assertThat(tunB.take(10)).isEqualTo(p);
    assertThat(a.stats().handshakesCompleted.sum()).isEqualTo(1);
  }
}
