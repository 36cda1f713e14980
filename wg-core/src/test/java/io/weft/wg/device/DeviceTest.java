package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.MemoryTun;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.ManualClock;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two devices over real UDP on loopback with in-memory TUNs and one manual clock: handshake,
 * transport both ways, PSK, cryptokey routing, roaming, and the timers (driven by pollTimers()).
 */
class DeviceTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  static final byte[] IP_A = Packets.v4(10, 0, 0, 1);
  static final byte[] IP_B = Packets.v4(10, 0, 0, 2);
  static final System.Logger LOG = System.getLogger("test");

  ManualClock clock;
  MemoryTun tunA;
  MemoryTun tunB;
  Device a;
  Device b;
  NoisePrivateKey keyA;
  NoisePrivateKey keyB;
  Peer bOnA;
  Peer aOnB;

  @BeforeEach
  void setUp() throws Exception {
    clock = new ManualClock();
    SecureRandom r = new SecureRandom();
    keyA = NoisePrivateKey.generate(r);
    keyB = NoisePrivateKey.generate(r);
    tunA = new MemoryTun(1420);
    tunB = new MemoryTun(1420);
    a = new Device(tunA, new UdpBind(), clock, LOG);
    b = new Device(tunB, new UdpBind(), clock, LOG);
    a.setCryptoWorkers(cryptoWorkers());
    b.setCryptoWorkers(cryptoWorkers());
    a.setPrivateKey(NoisePrivateKey.of(toBytes(keyA)));
    b.setPrivateKey(NoisePrivateKey.of(toBytes(keyB)));
    a.up(false);
    b.up(false);
    bOnA = a.addPeer(keyB.publicKey());
    aOnB = b.addPeer(keyA.publicKey());
    a.addAllowedIp(bOnA, IP_B, 32);
    b.addAllowedIp(aOnB, IP_A, 32);
    bOnA.setEndpoint(a.parseEndpoint("127.0.0.1:" + b.listenPort()));
  }

  /** Crypto worker threads per direction; 0 runs all crypto on the I/O threads. */
  int cryptoWorkers() {
    return 0;
  }

  static byte[] toBytes(NoisePrivateKey k) {
    byte[] raw = new byte[32];
    k.copyTo(raw, 0);
    return raw;
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

  private void handshake() throws Exception {
    byte[] p = aToB("hello");
    tunA.inject(p);
    assertThat(tunB.take(10)).as("first packet after the handshake").isEqualTo(p);
  }

  @Test
  void shouldCompleteHandshakeAndCarryPacketsBothWays() throws Exception {
    handshake();
    byte[] back = bToA("world");
    tunB.inject(back);
    assertThat(tunA.take(10)).isEqualTo(back);
    for (int i = 0; i < 50; i++) {
      byte[] p = aToB("packet " + i);
      tunA.inject(p);
      assertThat(tunB.take(10)).isEqualTo(p);
    }
    assertThat(bOnA.lastHandshakeEpochNanos()).isEqualTo(clock.epochNanos());
    assertThat(bOnA.txBytes()).isGreaterThan(0);
    assertThat(aOnB.rxBytes()).isGreaterThan(0);
    assertThat(aOnB.endpoint().destination().getPort())
        .as("B learned A's endpoint")
        .isEqualTo(a.listenPort());
  }

  @Test
  void shouldDeliverABurstInOrder() throws Exception {
    handshake();
    byte[][] sent = new byte[2000][];
    for (int i = 0; i < sent.length; i++) {
      sent[i] = aToB("burst " + i + " " + "x".repeat(i % 1300));
      tunA.inject(sent[i]);
    }
    for (int i = 0; i < sent.length; i++) {
      byte[] got = tunB.take(10);
      assertThat(got).as("packet %d", i).isNotNull();
      assertThat(new String(got, 28, got.length - 28))
          .as("packet %d in order", i)
          .isEqualTo(new String(sent[i], 28, sent[i].length - 28));
    }
  }

  @Test
  void shouldCarryIpv6() throws Exception {
    byte[] v6a = new byte[16];
    byte[] v6b = new byte[16];
    v6a[0] = (byte) 0xfd;
    v6b[0] = (byte) 0xfd;
    v6a[15] = 1;
    v6b[15] = 2;
    a.addAllowedIp(bOnA, v6b, 128);
    b.addAllowedIp(aOnB, v6a, 128);
    byte[] p = Packets.udp6(v6a, v6b, 1, 2, "six".getBytes());
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
  }

  @Test
  void shouldWorkWithMatchingPresharedKey() throws Exception {
    NoisePresharedKey psk = NoisePresharedKey.generate(new SecureRandom());
    bOnA.setPresharedKey(psk);
    aOnB.setPresharedKey(NoisePresharedKey.of(fromHex(psk.toHex())));
    handshake();
  }

  @Test
  void shouldNeverCompleteWithWrongPresharedKey() throws Exception {
    bOnA.setPresharedKey(NoisePresharedKey.generate(new SecureRandom()));
    aOnB.setPresharedKey(NoisePresharedKey.generate(new SecureRandom()));
    tunA.inject(aToB("hello"));
    Await.until("A rejects B's response", WAIT, () -> a.stats().handshakeRejected.sum() > 0);
    assertThat(bOnA.currentKeypair()).isNull();
    assertThat(tunB.pending()).isZero();
    assertThat(tunB.take(0)).isNull();
  }

  @Test
  void shouldDropPacketsWhoseInnerSourceIsNotTheSendersAllowedIp() throws Exception {
    handshake();
    // B sends a packet claiming a source A does not route to B.
    b.addAllowedIp(aOnB, Packets.v4(10, 0, 0, 99), 32);
    a.addAllowedIp(bOnA, Packets.v4(10, 9, 9, 0), 24);
    byte[] spoofed = Packets.udp4(Packets.v4(10, 0, 0, 77), IP_A, 1, 2, "x".getBytes());
    // Route it from B to A by destination.
    tunB.inject(spoofed);
    Await.until("A drops the spoofed packet", WAIT, () -> a.stats().droppedNotAllowed.sum() == 1);
    assertThat(tunA.pending()).isZero();
  }

  @Test
  void shouldFollowThePeerWhenItsPortChanges() throws Exception {
    handshake();
    int oldPort = a.listenPort();
    a.setListenPort(0);
    assertThat(a.listenPort()).isNotEqualTo(oldPort);
    byte[] p = aToB("from the new port");
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
    assertThat(aOnB.endpoint().destination().getPort()).isEqualTo(a.listenPort());
    byte[] back = bToA("reply to the new port");
    tunB.inject(back);
    assertThat(tunA.take(10)).isEqualTo(back);
  }

  @Test
  void shouldRekeyAfterRekeyAfterTimeAndKeepCarrying() throws Exception {
    handshake();
    Keypair first = bOnA.currentKeypair();
    clock.advanceNanos(Constants.REKEY_AFTER_TIME_NANOS + 1_000_000_000L);
    tunA.inject(aToB("old key, triggers rekey"));
    assertThat(tunB.take(10)).isNotNull();
    Await.until("a new keypair on A", WAIT, () -> bOnA.currentKeypair() != first);
    byte[] p = aToB("new key");
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
    assertThat(first.destroyed)
        .as("the old keypair is kept as previous until the next rotation")
        .isFalse();
  }

  @Test
  void shouldZeroAllKeysAfterThreeTimesRejectAfterTime() throws Exception {
    handshake();
    Keypair kp = bOnA.currentKeypair();
    clock.advanceNanos(3 * Constants.REJECT_AFTER_TIME_NANOS + 1);
    a.pollTimers();
    assertThat(bOnA.currentKeypair()).isNull();
    assertThat(kp.destroyed).isTrue();
  }

  @Test
  void shouldRefuseToUseAKeyOlderThanRejectAfterTime() throws Exception {
    handshake();
    Keypair kp = bOnA.currentKeypair();
    clock.advanceNanos(Constants.REJECT_AFTER_TIME_NANOS + 1);
    byte[] p = aToB("needs a fresh handshake");
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
    assertThat(bOnA.currentKeypair()).isNotSameAs(kp);
  }

  @Test
  void shouldAnswerDataWithAPassiveKeepalive() throws Exception {
    handshake();
    long before = bOnA.rxBytes();
    clock.advanceNanos(Constants.KEEPALIVE_TIMEOUT_NANOS + 1);
    b.pollTimers();
    Await.until("A receives B's keepalive", WAIT, () -> bOnA.rxBytes() == before + 32);
  }

  @Test
  void shouldSendPersistentKeepalives() throws Exception {
    handshake();
    byte[] back = bToA("answer, so A expects no new handshake");
    tunB.inject(back);
    assertThat(tunA.take(10)).isEqualTo(back);
    long sent = bOnA.txBytes();
    a.setPersistentKeepalive(bOnA, 25);
    Await.until("the first keepalive when enabled", WAIT, () -> bOnA.txBytes() == sent + 32);
    clock.advanceNanos(25_000_000_001L);
    a.pollTimers();
    Await.until("a keepalive after 25 s", WAIT, () -> bOnA.txBytes() >= sent + 64);
    assertThat(bOnA.txBytes()).as("exactly one keepalive, nothing else").isEqualTo(sent + 64);
  }

  @Test
  void shouldRetryAnUnansweredHandshakeAfterRekeyTimeout() throws Exception {
    b.close();
    tunA.inject(aToB("nobody home"));
    Await.until("one initiation", WAIT, () -> bOnA.txBytes() == 148);
    a.pollTimers();
    assertThat(bOnA.txBytes()).as("no retry before REKEY_TIMEOUT").isEqualTo(148);
    clock.advanceNanos(Constants.REKEY_TIMEOUT_NANOS + Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS);
    a.pollTimers();
    assertThat(bOnA.txBytes()).isEqualTo(2 * 148);
    assertThat(a.pollTimers()).as("the next retry is armed").isNotEqualTo(Long.MIN_VALUE);
  }

  @Test
  void shouldGiveUpAfterMaxTimerHandshakes() throws Exception {
    b.close();
    tunA.inject(aToB("nobody home"));
    Await.until("one initiation", WAIT, () -> bOnA.txBytes() == 148);
    for (int i = 0; i < 25; i++) {
      clock.advanceNanos(Constants.REKEY_TIMEOUT_NANOS + Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS);
      a.pollTimers();
    }
    assertThat(bOnA.txBytes()).isEqualTo((Constants.MAX_TIMER_HANDSHAKES + 2) * 148L);
    assertThat(bOnA.stagedCount()).as("staged packets dropped when giving up").isZero();
  }

  @Test
  void shouldDemandACookieUnderLoadAndThenAcceptTheHandshake() throws Exception {
    b.setUnderLoadForced(true);
    tunA.inject(aToB("under load"));
    Await.until("B sends a cookie reply", WAIT, () -> b.stats().cookieRepliesSent.sum() == 1);
    assertThat(bOnA.currentKeypair()).isNull();
    Await.until("A holds the cookie", WAIT, () -> bOnA.cookieGenerator.hasFreshCookie());
    // A's retry carries mac2 and passes.
    clock.advanceNanos(Constants.REKEY_TIMEOUT_NANOS + Constants.REKEY_TIMEOUT_JITTER_MAX_NANOS);
    Await.until(
        "the retried handshake completes",
        WAIT,
        () -> {
          a.pollTimers();
          return bOnA.currentKeypair() != null;
        });
    assertThat(tunB.take(10)).isNotNull();
    assertThat(b.stats().cookieRepliesSent.sum()).isEqualTo(1);
  }

  @Test
  void shouldIgnoreGarbageDatagrams() throws Exception {
    handshake();
    var ch = java.nio.channels.DatagramChannel.open();
    var rnd = new java.util.Random(42);
    for (int len = 0; len < 300; len++) {
      byte[] junk = new byte[len];
      rnd.nextBytes(junk);
      if (len > 0) {
        junk[0] = (byte) (1 + rnd.nextInt(4));
      }
      ch.send(
          java.nio.ByteBuffer.wrap(junk),
          new java.net.InetSocketAddress("127.0.0.1", b.listenPort()));
    }
    ch.close();
    byte[] p = aToB("still fine");
    tunA.inject(p);
    assertThat(tunB.take(10)).isEqualTo(p);
  }

  @Test
  void shouldPadToSixteenWithinTheMtu() {
    assertThat(Send.paddedLength(0, 1420)).isZero();
    assertThat(Send.paddedLength(1, 1420)).isEqualTo(16);
    assertThat(Send.paddedLength(16, 1420)).isEqualTo(16);
    assertThat(Send.paddedLength(1415, 1420)).isEqualTo(1420);
    assertThat(Send.paddedLength(1420, 1420)).isEqualTo(1420);
  }

  static byte[] fromHex(String s) {
    return java.util.HexFormat.of().parseHex(s);
  }

  static boolean same(byte[] x, byte[] y) {
    return Arrays.equals(x, y);
  }
}
