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
    return noise.consumeInitiation(r, r.publicKey(), msg, 0, k -> k.equals(i.publicKey()) ? rToI : null);
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
    assertThat(iToR.chainKey).containsOnly(0);
    assertThat(iToR.localEphemeral).containsOnly(0);
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
    assertThat(checker.checkMac2(init, 0, init.length, new byte[] {127, 0, 0, 2, 0x12, 0x34})).as("other source").isFalse();
    init[20] ^= 1;
    assertThat(checker.checkMac1(init, 0, init.length)).isFalse();
    clock.advanceNanos(CookieChecker.COOKIE_REFRESH_NANOS + 1);
    init[20] ^= 1;
    assertThat(checker.checkMac2(init, 0, init.length, src)).as("secret expired").isFalse();
    CookieGenerator other = new CookieGenerator(clock, i.publicKey());
    other.addMacs(init.clone(), 0, init.length);
    assertThat(other.consumeReply(reply, 0)).as("reply to another key's MAC").isFalse();
  }
}
