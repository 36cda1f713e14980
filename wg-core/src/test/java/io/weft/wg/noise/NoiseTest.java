package io.weft.wg.noise;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.ManualClock;
import io.weft.wg.wire.Messages;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Noise_IKpsk2 between two parties: keys agree, and every guard refuses what it must. */
class NoiseTest {
  final SecureRandom random = new SecureRandom();
  ManualClock clock;
  Noise noise;
  NoisePrivateKey i;
  NoisePrivateKey r;
  Handshake iToR;
  Handshake rToI;

  @BeforeEach
  void setUp() {
    clock = new ManualClock();
    noise = new Noise(clock, random);
    i = NoisePrivateKey.generate(random);
    r = NoisePrivateKey.generate(random);
    iToR = new Handshake(r.publicKey(), i);
    rToI = new Handshake(i.publicKey(), r);
  }

  private byte[] initiation() {
    byte[] msg = new byte[Messages.INITIATION_SIZE];
    assertThat(noise.createInitiation(i, iToR, 0x11223344, msg, 0)).isTrue();
    return msg;
  }

  private Handshake consume(byte[] msg) {
    return noise.consumeInitiation(
        r, r.publicKey(), msg, 0, k -> k.equals(i.publicKey()) ? rToI : null);
  }

  @Test
  void shouldDeriveMatchingTransportKeys() {
    byte[] init = initiation();
    assertThat(Messages.classify(init, 0, init.length)).isEqualTo(Messages.TYPE_INITIATION);
    assertThat(Messages.getIntLE(init, Messages.INIT_SENDER)).isEqualTo(0x11223344);
    assertThat(consume(init)).isSameAs(rToI);
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    assertThat(noise.createResponse(rToI, 0x55667788, resp, 0)).isTrue();
    assertThat(Messages.getIntLE(resp, Messages.RESP_RECEIVER)).isEqualTo(0x11223344);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();
    Session si = noise.beginSession(iToR);
    Session sr = noise.beginSession(rToI);
    assertThat(si.initiator()).isTrue();
    assertThat(sr.initiator()).isFalse();
    assertThat(si.sendKey()).isEqualTo(sr.receiveKey());
    assertThat(si.receiveKey()).isEqualTo(sr.sendKey());
    assertThat(si.sendKey()).isNotEqualTo(si.receiveKey());
    assertThat(si.remoteIndex()).isEqualTo(0x55667788);
    assertThat(sr.remoteIndex()).isEqualTo(0x11223344);
    // The handshake state is zeroed once the session exists.
    assertThat(iToR.state()).isEqualTo(Handshake.State.ZEROED);
    assertThat(iToR.initiation.chainKey).containsOnly(0);
    assertThat(iToR.initiation.ephemeral).containsOnly(0);
    assertThat(rToI.chainKey).containsOnly(0);
    assertThat(rToI.localEphemeral).containsOnly(0);
    // And the keys work as AEAD keys both ways.
    byte[] buf = Arrays.copyOf("ping".getBytes(), 4 + 16);
    new ChaCha20Poly1305(si.sendKey()).seal(0, null, buf, 0, 4);
    assertThat(new ChaCha20Poly1305(sr.receiveKey()).open(0, null, buf, 0, 20)).isEqualTo(4);
  }

  @Test
  void shouldAgreeWithPresharedKeyAndRefuseAMismatch() {
    NoisePresharedKey psk = NoisePresharedKey.generate(random);
    iToR.setPresharedKey(psk);
    rToI.setPresharedKey(psk);
    assertThat(consume(initiation())).isNotNull();
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    noise.createResponse(rToI, 1, resp, 0);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();

    clock.advanceNanos(1_000_000_000L);
    rToI.setPresharedKey(NoisePresharedKey.generate(random));
    assertThat(consume(initiation())).as("the PSK only enters in the response").isNotNull();
    noise.createResponse(rToI, 2, resp, 0);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isFalse();
    assertThat(iToR.state()).isEqualTo(Handshake.State.INITIATION_CREATED);
  }

  @Test
  void shouldRefuseAReplayedInitiation() {
    byte[] init = initiation();
    assertThat(consume(init)).isNotNull();
    clock.advanceNanos(1_000_000_000L);
    assertThat(consume(init.clone())).as("same timestamp again").isNull();
  }

  @Test
  void shouldRefuseInitiationsFasterThanEvery20Ms() {
    assertThat(consume(initiation())).isNotNull();
    clock.advanceNanos(Noise.HANDSHAKE_INITIATION_RATE_NANOS / 2);
    clock.setEpochNanos(clock.epochNanos() + 1_000_000_000L); // a newer timestamp, yet too soon
    assertThat(consume(initiation())).isNull();
    clock.advanceNanos(Noise.HANDSHAKE_INITIATION_RATE_NANOS);
    clock.setEpochNanos(clock.epochNanos() + 1_000_000_000L);
    assertThat(consume(initiation())).isNotNull();
  }

  @Test
  void shouldRefuseAnInitiationFromAnUnknownKey() {
    byte[] init = initiation();
    assertThat(noise.consumeInitiation(r, r.publicKey(), init, 0, k -> null)).isNull();
  }

  @Test
  void shouldRefuseAnyBitFlipInTheInitiation() {
    byte[] init = initiation();
    for (int bit = 0; bit < Messages.INIT_MAC1 * 8; bit += 7) {
      byte[] bad = init.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      if (bit / 8 < Messages.INIT_EPHEMERAL) {
        continue; // type and sender index are not authenticated by Noise (mac1 covers them)
      }
      assertThat(consume(bad)).as("bit %d", bit).isNull();
    }
    assertThat(rToI.state()).isEqualTo(Handshake.State.ZEROED);
  }

  @Test
  void shouldRefuseAResponseInTheWrongState() {
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    assertThat(noise.createResponse(rToI, 1, resp, 0)).isFalse();
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isFalse();
    assertThat(noise.beginSession(iToR)).isNull();
  }

  @Test
  void shouldCheckMacsAndCookies() {
    CookieChecker checker = new CookieChecker(clock, random);
    checker.init(r.publicKey());
    CookieGenerator gen = new CookieGenerator(clock, r.publicKey());
    byte[] init = initiation();
    gen.addMacs(init, 0, init.length);
    assertThat(checker.checkMac1(init, 0, init.length)).isTrue();
    byte[] src = {127, 0, 0, 1, 0x12, 0x34};
    assertThat(checker.checkMac2(init, 0, init.length, src)).as("no cookie yet").isFalse();
    byte[] reply = new byte[Messages.COOKIE_REPLY_SIZE];
    checker.createReply(init, 0, init.length, 7, src, reply, 0);
    assertThat(Messages.classify(reply, 0, reply.length)).isEqualTo(Messages.TYPE_COOKIE_REPLY);
    assertThat(gen.consumeReply(reply, 0)).isTrue();
    gen.addMacs(init, 0, init.length);
    assertThat(checker.checkMac2(init, 0, init.length, src)).isTrue();
    assertThat(checker.checkMac2(init, 0, init.length, new byte[] {127, 0, 0, 2, 0x12, 0x34}))
        .as("other source")
        .isFalse();
    init[20] ^= 1;
    assertThat(checker.checkMac1(init, 0, init.length)).isFalse();
    clock.advanceNanos(CookieChecker.COOKIE_REFRESH_NANOS + 1);
    init[20] ^= 1;
    assertThat(checker.checkMac2(init, 0, init.length, src)).as("secret expired").isFalse();
    CookieGenerator other = new CookieGenerator(clock, i.publicKey());
    other.addMacs(init.clone(), 0, init.length);
    assertThat(other.consumeReply(reply, 0)).as("reply to another key's MAC").isFalse();
  }

  /** Our initiation's response from the peer's side: the peer consumes it and answers. */
  private byte[] respondAsR(byte[] init, int responderIndex) {
    assertThat(consume(init)).isSameAs(rToI);
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    assertThat(noise.createResponse(rToI, responderIndex, resp, 0)).isTrue();
    noise.beginSession(rToI).destroy();
    return resp;
  }

  @Test
  void shouldRefuseAResponseToAReplacedInitiation() {
    byte[] first = initiation();
    byte[] resp = respondAsR(first, 0x0101);
    clock.advanceNanos(1_000_000_000L);
    byte[] second = new byte[Messages.INITIATION_SIZE];
    assertThat(noise.createInitiation(i, iToR, 0x22334455, second, 0)).isTrue();
    assertThat(noise.consumeResponse(i, iToR, resp, 0))
        .as("answers the replaced initiation")
        .isFalse();
    assertThat(noise.consumeResponse(i, iToR, respondAsR(second, 0x0202), 0)).isTrue();
  }

  @Test
  void shouldRefuseAResponseWithAnotherReceiverIndex() {
    byte[] resp = respondAsR(initiation(), 0x0101);
    Messages.putIntLE(resp, Messages.RESP_RECEIVER, 0x11223345); // not authenticated by Noise
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isFalse();
    Messages.putIntLE(resp, Messages.RESP_RECEIVER, 0x11223344);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();
  }

  @Test
  void shouldRefuseAResponseOnceThePendingInitiationExpiredAndZeroIt() {
    byte[] resp = respondAsR(initiation(), 0x0101);
    clock.advanceNanos(Noise.REKEY_TIMEOUT_NANOS);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isFalse();
    assertThat(iToR.initiation.ephemeral).as("expired: ephemeral zeroed").containsOnly(0);
    assertThat(iToR.initiation.chainKey).containsOnly(0);
    assertThat(iToR.state()).isEqualTo(Handshake.State.ZEROED);
    assertThat(iToR.initiationIndex())
        .as("the index stays the caller's to free")
        .isEqualTo(0x11223344);
  }

  @Test
  void shouldAcceptAResponseJustBeforeThePendingInitiationExpires() {
    byte[] resp = respondAsR(initiation(), 0x0101);
    clock.advanceNanos(Noise.REKEY_TIMEOUT_NANOS - 1);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();
  }

  @Test
  void shouldRefuseAReplayedResponse() {
    byte[] resp = respondAsR(initiation(), 0x0101);
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();
    noise.beginSession(iToR).destroy();
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isFalse();
    assertThat(noise.beginSession(iToR)).isNull();
  }

  @Test
  void shouldAnswerAConsumedInitiationEvenIfWeInitiatedMeanwhile() {
    assertThat(consume(initiation())).isSameAs(rToI);
    byte[] own = new byte[Messages.INITIATION_SIZE];
    assertThat(noise.createInitiation(r, rToI, 0x7777, own, 0)).isTrue();
    byte[] resp = new byte[Messages.RESPONSE_SIZE];
    assertThat(noise.createResponse(rToI, 0x55667788, resp, 0)).isTrue();
    Session sr = noise.beginSession(rToI);
    assertThat(sr.initiator()).isFalse();
    assertThat(noise.consumeResponse(i, iToR, resp, 0)).isTrue();
    assertThat(noise.beginSession(iToR).sendKey()).isEqualTo(sr.receiveKey());
    assertThat(rToI.initiationIndex()).as("our own initiation is still pending").isEqualTo(0x7777);
  }

  /**
   * A and B initiate at the same moment, and each consumes the other's initiation before the
   * response to its own arrives (paper §5.4; the case a mesh hits when both learn of each other).
   */
  @Nested
  class CrossingHandshakes {
    static final int A_INIT = 0x0A0A0001;
    static final int B_INIT = 0x0B0B0001;
    static final int A_RESP = 0x0A0A0002;
    static final int B_RESP = 0x0B0B0002;

    final byte[] initA = new byte[Messages.INITIATION_SIZE];
    final byte[] initB = new byte[Messages.INITIATION_SIZE];
    final byte[] respA = new byte[Messages.RESPONSE_SIZE];
    final byte[] respB = new byte[Messages.RESPONSE_SIZE];
    Session aResponder;
    Session bResponder;

    @BeforeEach
    void cross() {
      assertThat(noise.createInitiation(i, iToR, A_INIT, initA, 0)).isTrue();
      assertThat(noise.createInitiation(r, rToI, B_INIT, initB, 0)).isTrue();
      assertThat(noise.consumeInitiation(r, r.publicKey(), initA, 0, k -> rToI)).isSameAs(rToI);
      assertThat(noise.consumeInitiation(i, i.publicKey(), initB, 0, k -> iToR)).isSameAs(iToR);
      assertThat(noise.createResponse(rToI, B_RESP, respB, 0)).isTrue();
      bResponder = noise.beginSession(rToI);
      assertThat(noise.createResponse(iToR, A_RESP, respA, 0)).isTrue();
      aResponder = noise.beginSession(iToR);
    }

    @Test
    void shouldAcceptBothResponsesAndPairTheKeys() {
      assertThat(noise.consumeResponse(i, iToR, respB, 0)).as("A takes B's response").isTrue();
      Session aInitiator = noise.beginSession(iToR);
      assertThat(noise.consumeResponse(r, rToI, respA, 0)).as("B takes A's response").isTrue();
      Session bInitiator = noise.beginSession(rToI);

      assertThat(aInitiator.initiator()).isTrue();
      assertThat(bInitiator.initiator()).isTrue();
      assertThat(aResponder.initiator()).isFalse();
      assertThat(bResponder.initiator()).isFalse();
      // A's handshake: A initiated, B responded.
      assertThat(aInitiator.sendKey()).isEqualTo(bResponder.receiveKey());
      assertThat(aInitiator.receiveKey()).isEqualTo(bResponder.sendKey());
      assertThat(aInitiator.localIndex()).isEqualTo(A_INIT);
      assertThat(aInitiator.remoteIndex()).isEqualTo(B_RESP);
      assertThat(bResponder.localIndex()).isEqualTo(B_RESP);
      assertThat(bResponder.remoteIndex()).isEqualTo(A_INIT);
      // B's handshake: B initiated, A responded.
      assertThat(bInitiator.sendKey()).isEqualTo(aResponder.receiveKey());
      assertThat(bInitiator.receiveKey()).isEqualTo(aResponder.sendKey());
      assertThat(bInitiator.localIndex()).isEqualTo(B_INIT);
      assertThat(bInitiator.remoteIndex()).isEqualTo(A_RESP);
      assertThat(aResponder.localIndex()).isEqualTo(A_RESP);
      assertThat(aResponder.remoteIndex()).isEqualTo(B_INIT);
      // Two independent handshakes: no key is shared between them.
      assertThat(aInitiator.sendKey())
          .isNotEqualTo(bInitiator.sendKey())
          .isNotEqualTo(aResponder.sendKey());
      // The initiator states are one-shot: zeroed once the session exists.
      for (Handshake hs : new Handshake[] {iToR, rToI}) {
        assertThat(hs.state()).isEqualTo(Handshake.State.ZEROED);
        assertThat(hs.initiation.ephemeral).containsOnly(0);
        assertThat(hs.initiation.chainKey).containsOnly(0);
        assertThat(hs.initiation.hash).containsOnly(0);
        assertThat(hs.localEphemeral).containsOnly(0);
        assertThat(hs.initiationIndex()).isZero();
      }
    }

    @Test
    void shouldRefuseAReplayedResponse() {
      assertThat(noise.consumeResponse(i, iToR, respB, 0)).isTrue();
      noise.beginSession(iToR).destroy();
      assertThat(noise.consumeResponse(i, iToR, respB, 0)).isFalse();
      assertThat(noise.beginSession(iToR)).isNull();
    }

    @Test
    void shouldRefuseTheResponseOnceThePendingInitiationExpired() {
      clock.advanceNanos(Noise.REKEY_TIMEOUT_NANOS);
      assertThat(noise.consumeResponse(i, iToR, respB, 0)).isFalse();
      assertThat(iToR.initiation.ephemeral).containsOnly(0);
      assertThat(noise.beginSession(iToR)).isNull();
    }

    @Test
    void shouldRefuseOurOwnResponseReflectedBack() {
      // A's response answers B's initiation; B's pending index differs from A's.
      assertThat(noise.consumeResponse(i, iToR, respA, 0)).isFalse();
      assertThat(noise.consumeResponse(i, iToR, respB, 0)).as("the real one still works").isTrue();
    }
  }
}
