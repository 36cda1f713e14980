package io.weft.wg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testvectors.VectorFile;
import io.weft.testvectors.VectorFile.Case;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every primitive against the published known answers in the testvectors module. */
class KnownAnswerTest {

  static Stream<Case> cases(String file) {
    return VectorFile.load(file).cases().stream();
  }

  static Stream<Case> x25519() {
    return cases("x25519-rfc7748");
  }

  static Stream<Case> chacha() {
    return cases("chacha20poly1305-rfc8439");
  }

  static Stream<Case> xchacha() {
    return cases("xchacha20poly1305-draft");
  }

  static Stream<Case> blake2s() {
    return Stream.concat(cases("blake2s-rfc7693"), cases("blake2s-keyed"));
  }

  static Stream<Case> hmac() {
    return cases("hmac-blake2s");
  }

  static Stream<Case> hkdf() {
    return cases("hkdf-blake2s");
  }

  @ParameterizedTest
  @MethodSource("x25519")
  void shouldMatchRfc7748(Case c) {
    switch (c.str("kind")) {
      case "scalarmult" -> {
        byte[] out = new byte[32];
        X25519.sharedSecret(c.bytes("scalar"), 0, c.bytes("u"), 0, out, 0);
        assertThat(out).isEqualTo(c.bytes("out"));
      }
      case "iterate" -> {
        byte[] k = new byte[32];
        byte[] u = new byte[32];
        k[0] = 9;
        u[0] = 9;
        byte[] r = new byte[32];
        int n = Integer.parseInt(c.str("iterations"));
        for (int i = 0; i < n; i++) {
          X25519.sharedSecret(k, 0, u, 0, r, 0);
          System.arraycopy(k, 0, u, 0, 32);
          System.arraycopy(r, 0, k, 0, 32);
        }
        assertThat(k).isEqualTo(c.bytes("out"));
      }
      case "dh" -> {
        assertThat(X25519.publicKey(c.bytes("alice_private"))).isEqualTo(c.bytes("alice_public"));
        assertThat(X25519.publicKey(c.bytes("bob_private"))).isEqualTo(c.bytes("bob_public"));
        byte[] s1 = new byte[32];
        byte[] s2 = new byte[32];
        assertThat(
                X25519.sharedSecret(c.bytes("alice_private"), 0, c.bytes("bob_public"), 0, s1, 0))
            .isTrue();
        assertThat(
                X25519.sharedSecret(c.bytes("bob_private"), 0, c.bytes("alice_public"), 0, s2, 0))
            .isTrue();
        assertThat(s1).isEqualTo(c.bytes("shared")).isEqualTo(s2);
      }
      default -> throw new AssertionError("unknown kind " + c.str("kind"));
    }
  }

  @ParameterizedTest
  @MethodSource("chacha")
  void shouldMatchRfc8439(Case c) {
    for (ChaCha20Poly1305.Engine engine : ChaCha20Poly1305.Engine.values()) {
      AeadEngines.require(engine);
      byte[] pt = c.bytes("plaintext");
      byte[] expected = concat(c.bytes("ciphertext"), c.bytes("tag"));
      byte[] buf = Arrays.copyOf(pt, pt.length + 16);
      var aead = new ChaCha20Poly1305(c.bytes("key"), engine);
      assertThat(aead.engine()).isEqualTo(engine);
      int n = aead.sealWithNonce(c.bytes("nonce"), c.bytes("aad"), buf, 0, pt.length, buf, 0);
      assertThat(n).as(engine.name()).isEqualTo(expected.length);
      assertThat(buf).as(engine.name()).isEqualTo(expected);
      int m = aead.openWithNonce(c.bytes("nonce"), c.bytes("aad"), buf, 0, n, buf, 0);
      assertThat(m).as(engine.name()).isEqualTo(pt.length);
      assertThat(Arrays.copyOf(buf, m)).as(engine.name()).isEqualTo(pt);
      aead.destroy();
    }
  }

  @ParameterizedTest
  @MethodSource("xchacha")
  void shouldMatchXChaChaDraft(Case c) {
    if (c.str("kind").equals("hchacha20")) {
      byte[] out = new byte[32];
      XChaCha20Poly1305.hChaCha20(c.bytes("key"), c.bytes("nonce"), out);
      assertThat(out).isEqualTo(c.bytes("out"));
      return;
    }
    byte[] pt = c.bytes("plaintext");
    byte[] out = new byte[pt.length + 16];
    int n =
        XChaCha20Poly1305.seal(
            c.bytes("key"), c.bytes("nonce"), c.bytes("aad"), pt, 0, pt.length, out, 0);
    assertThat(out).isEqualTo(concat(c.bytes("ciphertext"), c.bytes("tag")));
    byte[] back = new byte[pt.length];
    assertThat(
            XChaCha20Poly1305.open(
                c.bytes("key"), c.bytes("nonce"), c.bytes("aad"), out, 0, n, back, 0))
        .isEqualTo(pt.length);
    assertThat(back).isEqualTo(pt);
  }

  @ParameterizedTest
  @MethodSource("blake2s")
  void shouldMatchBlake2sVectors(Case c) {
    byte[] key = c.has("key") ? c.bytes("key") : new byte[0];
    int outLen = c.has("outlen") ? Integer.parseInt(c.str("outlen")) : 32;
    byte[] in = c.bytes("input");
    byte[] out = new Blake2s().initKeyed(outLen, key, 0, key.length).update(in).doFinal();
    assertThat(out).isEqualTo(c.bytes("out"));
    // The same digest byte by byte, exercising the partial-block path.
    Blake2s b = new Blake2s().initKeyed(outLen, key, 0, key.length);
    for (int i = 0; i < in.length; i++) {
      b.update(in, i, 1);
    }
    assertThat(b.doFinal()).isEqualTo(c.bytes("out"));
  }

  @ParameterizedTest
  @MethodSource("hmac")
  void shouldMatchHmacBlake2s(Case c) {
    assertThat(HmacBlake2s.mac(c.bytes("key"), c.bytes("input"))).isEqualTo(c.bytes("out"));
  }

  @ParameterizedTest
  @MethodSource("hkdf")
  void shouldMatchWireGuardKdf(Case c) {
    byte[][] t = Kdf.kdf3(c.bytes("key"), c.bytes("input"));
    assertThat(t[0]).isEqualTo(c.bytes("t0"));
    assertThat(t[1]).isEqualTo(c.bytes("t1"));
    if (c.has("t2")) {
      assertThat(t[2]).isEqualTo(c.bytes("t2"));
    }
    assertThat(Kdf.kdf1(c.bytes("key"), c.bytes("input"))).isEqualTo(c.bytes("t0"));
    assertThat(Kdf.kdf2(c.bytes("key"), c.bytes("input"))[1]).isEqualTo(c.bytes("t1"));
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
