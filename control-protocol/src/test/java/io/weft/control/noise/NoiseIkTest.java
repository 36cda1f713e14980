package io.weft.control.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.key.NoisePrivateKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NoiseIkTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] PROLOGUE = "test prologue".getBytes(StandardCharsets.US_ASCII);

  private final NoisePrivateKey node = NoisePrivateKey.generate(RANDOM);
  private final NoisePrivateKey server = NoisePrivateKey.generate(RANDOM);

  private record Pair(CipherPair initiator, CipherPair responder, NoiseIk i, NoiseIk r) {}

  private Pair handshake(byte[] payload) {
    NoiseIk i = NoiseIk.initiator(node, server.publicKey(), PROLOGUE, RANDOM);
    NoiseIk r = NoiseIk.responder(server, PROLOGUE, RANDOM);
    byte[] got = r.readInitiation(i.writeInitiation(payload));
    assertThat(got).isEqualTo(payload);
    i.readResponse(r.writeResponse(new byte[0]));
    assertThat(i.handshakeHash()).isEqualTo(r.handshakeHash());
    return new Pair(i.split(), r.split(), i, r);
  }

  @Test
  void shouldAuthenticateTheInitiatorsStaticKeyToTheResponder() {
    Pair p = handshake("hello".getBytes(StandardCharsets.US_ASCII));
    assertThat(p.r().remoteStatic()).isEqualTo(node.publicKey());
  }

  @Test
  void shouldDeriveMatchingTransportKeysInBothDirections() {
    Pair p = handshake(new byte[0]);
    byte[] buf = Arrays.copyOf("ping".getBytes(StandardCharsets.US_ASCII), 4 + 16);
    int sealed = p.initiator().seal(buf, 0, 4);
    assertThat(p.responder().open(buf, 0, sealed)).isEqualTo(4);
    byte[] back = Arrays.copyOf("pong".getBytes(StandardCharsets.US_ASCII), 4 + 16);
    int sealed2 = p.responder().seal(back, 0, 4);
    assertThat(p.initiator().open(back, 0, sealed2)).isEqualTo(4);
  }

  @Test
  void shouldFailWhenTheInitiatorHasTheWrongServerKey() {
    NoisePrivateKey impostor = NoisePrivateKey.generate(RANDOM);
    NoiseIk i = NoiseIk.initiator(node, impostor.publicKey(), PROLOGUE, RANDOM);
    NoiseIk r = NoiseIk.responder(server, PROLOGUE, RANDOM);
    byte[] init = i.writeInitiation(new byte[0]);
    assertThatThrownBy(() -> r.readInitiation(init)).isInstanceOf(HandshakeException.class);
  }

  @Test
  void shouldFailWhenAnImpostorAnswersForTheServer() {
    NoisePrivateKey impostor = NoisePrivateKey.generate(RANDOM);
    NoiseIk i = NoiseIk.initiator(node, server.publicKey(), PROLOGUE, RANDOM);
    byte[] init = i.writeInitiation(new byte[0]);
    // The impostor cannot even read the initiation: it was encrypted to the server's key.
    NoiseIk fake = NoiseIk.responder(impostor, PROLOGUE, RANDOM);
    assertThatThrownBy(() -> fake.readInitiation(init)).isInstanceOf(HandshakeException.class);
  }

  @Test
  void shouldFailOnADifferentPrologue() {
    NoiseIk i = NoiseIk.initiator(node, server.publicKey(), PROLOGUE, RANDOM);
    NoiseIk r = NoiseIk.responder(server, "other".getBytes(StandardCharsets.US_ASCII), RANDOM);
    byte[] init = i.writeInitiation(new byte[0]);
    assertThatThrownBy(() -> r.readInitiation(init)).isInstanceOf(HandshakeException.class);
  }

  @Test
  void shouldRejectEveryTamperedInitiationByte() {
    NoiseIk i = NoiseIk.initiator(node, server.publicKey(), PROLOGUE, RANDOM);
    byte[] init = i.writeInitiation(new byte[] {1, 2, 3});
    for (int pos = 0; pos < init.length; pos++) {
      byte[] t = init.clone();
      t[pos] ^= 0x01;
      NoiseIk r = NoiseIk.responder(server, PROLOGUE, RANDOM);
      assertThatThrownBy(() -> r.readInitiation(t)).isInstanceOf(HandshakeException.class);
    }
  }

  @Test
  void shouldGiveAReplayedInitiationDifferentSessionKeys() {
    NoiseIk i = NoiseIk.initiator(node, server.publicKey(), PROLOGUE, RANDOM);
    byte[] init = i.writeInitiation(new byte[0]);
    NoiseIk r1 = NoiseIk.responder(server, PROLOGUE, RANDOM);
    r1.readInitiation(init);
    i.readResponse(r1.writeResponse(new byte[0]));
    CipherPair real = i.split();
    NoiseIk r2 = NoiseIk.responder(server, PROLOGUE, RANDOM);
    r2.readInitiation(init);
    r2.writeResponse(new byte[0]);
    CipherPair replayed = r2.split();
    byte[] buf = Arrays.copyOf(new byte[] {42}, 17);
    int n = real.seal(buf, 0, 1);
    assertThat(replayed.open(buf, 0, n)).isEqualTo(-1);
  }

  @Test
  void shouldCarryAStreamAcrossRecordsAndRejectATamperedOrReplayedRecord() throws IOException {
    Pair p = handshake(new byte[0]);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    NoiseStream sender =
        new NoiseStream(p.initiator(), new ByteArrayInputStream(new byte[0]), wire);
    byte[] big = new byte[200_000];
    RANDOM.nextBytes(big);
    sender.out().write(big);
    sender.out().flush();
    sender.out().write("tail".getBytes(StandardCharsets.US_ASCII));
    sender.out().flush();
    byte[] bytes = wire.toByteArray();
    NoiseStream receiver =
        new NoiseStream(
            p.responder(), new ByteArrayInputStream(bytes), new ByteArrayOutputStream());
    assertThat(receiver.in().readNBytes(big.length)).isEqualTo(big);
    assertThat(new String(receiver.in().readNBytes(4), StandardCharsets.US_ASCII))
        .isEqualTo("tail");

    Pair q = handshake(new byte[0]);
    ByteArrayOutputStream w2 = new ByteArrayOutputStream();
    NoiseStream s2 = new NoiseStream(q.initiator(), new ByteArrayInputStream(new byte[0]), w2);
    s2.out().write(new byte[] {1, 2, 3});
    s2.out().flush();
    byte[] rec = w2.toByteArray();
    byte[] twice = new byte[rec.length * 2];
    System.arraycopy(rec, 0, twice, 0, rec.length);
    System.arraycopy(rec, 0, twice, rec.length, rec.length);
    NoiseStream r2 =
        new NoiseStream(
            q.responder(), new ByteArrayInputStream(twice), new ByteArrayOutputStream());
    assertThat(r2.in().readNBytes(3)).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> r2.in().read())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("authenticate");
  }
}
