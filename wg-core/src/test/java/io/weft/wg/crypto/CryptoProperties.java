package io.weft.wg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The chosen primitives agree with independent implementations on random inputs. */
class CryptoProperties {

  /** Up to 64 KiB; the empty payload is among the size edge cases. */
  static Gen<byte[]> payload() {
    return Gens.byteArrays(0, 65_535);
  }

  static Gen<byte[]> key32() {
    return Gens.byteArrays(32);
  }

  static Gen<byte[]> nonce12() {
    return Gens.byteArrays(12);
  }

  static Gen<byte[]> aad() {
    return Gens.byteArrays(0, 300);
  }

  record Seal(byte[] key, byte[] nonce, byte[] aad, byte[] pt, int offset) {}

  static Gen<Seal> seals() {
    final Gen<byte[]> keys = key32();
    final Gen<byte[]> nonces = nonce12();
    final Gen<byte[]> aads = aad();
    final Gen<byte[]> payloads = payload();
    final Gen<Integer> offsets = Gens.ints(0, 40);
    return src ->
        new Seal(
            keys.generate(src),
            nonces.generate(src),
            aads.generate(src),
            payloads.generate(src),
            offsets.generate(src));
  }

  @Test
  void sealAgreesWithBouncyCastle() {
    Property.forAll(seals())
        .tries(200)
        .check(c -> sealAgreesWithBouncyCastle(c.key(), c.nonce(), c.aad(), c.pt(), c.offset()));
  }

  private static void sealAgreesWithBouncyCastle(
      byte[] key, byte[] nonce, byte[] aad, byte[] pt, int offset) throws Exception {
    byte[] expected = Reference.bcSeal(key, nonce, aad, pt);
    byte[] buf = new byte[offset + pt.length + 16];
    System.arraycopy(pt, 0, buf, offset, pt.length);
    int n =
        new ChaCha20Poly1305(key).sealWithNonce(nonce, aad, buf, offset, pt.length, buf, offset);
    assertThat(n).isEqualTo(expected.length);
    assertThat(Arrays.copyOfRange(buf, offset, offset + n)).isEqualTo(expected);
  }

  @Test
  void openAgreesWithBouncyCastle() {
    Property.forAll(seals())
        .tries(200)
        .check(c -> openAgreesWithBouncyCastle(c.key(), c.nonce(), c.aad(), c.pt()));
  }

  private static void openAgreesWithBouncyCastle(byte[] key, byte[] nonce, byte[] aad, byte[] pt)
      throws Exception {
    byte[] sealed = Reference.bcSeal(key, nonce, aad, pt);
    int n =
        new ChaCha20Poly1305(key).openWithNonce(nonce, aad, sealed, 0, sealed.length, sealed, 0);
    assertThat(n).isEqualTo(pt.length);
    assertThat(Arrays.copyOf(sealed, n)).isEqualTo(pt);
  }

  record Flip(byte[] key, byte[] nonce, byte[] aad, byte[] pt, int where, int bit) {}

  @Test
  void anySingleBitFlipMakesOpenFailWithoutWritingPlaintext() {
    final Gen<byte[]> keys = key32();
    final Gen<byte[]> nonces = nonce12();
    final Gen<byte[]> aads = aad();
    final Gen<byte[]> pts = Gens.byteArrays(0, 2000);
    final Gen<Integer> wheres = Gens.ints(0, Integer.MAX_VALUE);
    final Gen<Integer> bits = Gens.ints(0, 7);
    final Gen<Flip> flips =
        src ->
            new Flip(
                keys.generate(src),
                nonces.generate(src),
                aads.generate(src),
                pts.generate(src),
                wheres.generate(src),
                bits.generate(src));
    Property.forAll(flips)
        .tries(300)
        .check(f -> bitFlipMakesOpenFail(f.key(), f.nonce(), f.aad(), f.pt(), f.where(), f.bit()));
  }

  private static void bitFlipMakesOpenFail(
      byte[] key, byte[] nonce, byte[] aad, byte[] pt, int where, int bit) throws Exception {
    byte[] sealed = Reference.bcSeal(key, nonce, aad, pt);
    byte[] n2 = nonce.clone();
    byte[] a2 = aad.clone();
    byte[] s2 = sealed.clone();
    // Flip one bit somewhere in ciphertext, tag, nonce or AAD.
    int space = sealed.length + nonce.length + aad.length;
    int i = where % space;
    if (i < sealed.length) {
      s2[i] ^= (byte) (1 << bit);
    } else if (i < sealed.length + nonce.length) {
      n2[i - sealed.length] ^= (byte) (1 << bit);
    } else {
      a2[i - sealed.length - nonce.length] ^= (byte) (1 << bit);
    }
    byte[] out = new byte[pt.length];
    Arrays.fill(out, (byte) 0x5a);
    int n = new ChaCha20Poly1305(key).openWithNonce(n2, a2, s2, 0, s2.length, out, 0);
    assertThat(n).isEqualTo(-1);
    byte[] untouched = new byte[pt.length];
    Arrays.fill(untouched, (byte) 0x5a);
    assertThat(out).isEqualTo(untouched);
  }

  @Test
  void inPlaceCounterSealRoundTrips() {
    Property.forAll(key32(), Gens.longs(), Gens.byteArrays(0, 3000))
        .tries(300)
        .check(CryptoProperties::inPlaceCounterSealRoundTrips);
  }

  private static void inPlaceCounterSealRoundTrips(byte[] key, long counter, byte[] pt)
      throws Exception {
    var aead = new ChaCha20Poly1305(key);
    byte[] buf = Arrays.copyOf(pt, pt.length + 16);
    int n = aead.seal(counter, null, buf, 0, pt.length);
    byte[] nonce = new byte[12];
    ChaCha20Poly1305.counterNonce(counter, nonce);
    assertThat(buf).isEqualTo(Reference.bcSeal(key, nonce, new byte[0], pt));
    assertThat(aead.open(counter, null, buf, 0, n)).isEqualTo(pt.length);
    assertThat(Arrays.copyOf(buf, pt.length)).isEqualTo(pt);
    assertThat(aead.open(counter + 1, null, buf.clone(), 0, n)).isEqualTo(-1);
  }

  @Test
  void x25519AgreesWithJdkXdh() {
    Property.forAll(key32(), key32()).tries(200).check(CryptoProperties::x25519AgreesWithJdkXdh);
  }

  private static void x25519AgreesWithJdkXdh(byte[] scalar, byte[] u) throws Exception {
    byte[] ours = new byte[32];
    boolean nonZero = X25519.sharedSecret(scalar, 0, u, 0, ours, 0);
    byte[] jdk = Reference.jdkX25519(scalar, u);
    if (jdk == null) {
      assertThat(nonZero).isFalse();
    } else {
      assertThat(ours).isEqualTo(jdk);
      assertThat(nonZero).isTrue();
    }
  }

  @Test
  void x25519KeyAgreementIsSymmetric() {
    Property.forAll(key32(), key32()).tries(100).check(CryptoProperties::keyAgreementIsSymmetric);
  }

  private static void keyAgreementIsSymmetric(byte[] a, byte[] b) {
    X25519.clamp(a, 0);
    X25519.clamp(b, 0);
    byte[] s1 = new byte[32];
    byte[] s2 = new byte[32];
    X25519.sharedSecret(a, 0, X25519.publicKey(b), 0, s1, 0);
    X25519.sharedSecret(b, 0, X25519.publicKey(a), 0, s2, 0);
    assertThat(s1).isEqualTo(s2);
  }

  record Hash(byte[] key, int outLen, byte[] in, int chunk) {}

  @Test
  void blake2sAgreesWithBouncyCastle() {
    final Gen<byte[]> keys = Gens.byteArrays(0, 32);
    final Gen<Integer> outLens = Gens.ints(1, 32);
    final Gen<byte[]> ins = Gens.byteArrays(0, 1000);
    final Gen<Integer> chunks = Gens.ints(1, 130);
    final Gen<Hash> hashes =
        src ->
            new Hash(
                keys.generate(src), outLens.generate(src), ins.generate(src), chunks.generate(src));
    Property.forAll(hashes)
        .tries(300)
        .check(h -> blake2sAgreesWithBouncyCastle(h.key(), h.outLen(), h.in(), h.chunk()));
  }

  private static void blake2sAgreesWithBouncyCastle(byte[] key, int outLen, byte[] in, int chunk) {
    Blake2s b = new Blake2s().initKeyed(outLen, key, 0, key.length);
    for (int i = 0; i < in.length; i += chunk) {
      b.update(in, i, Math.min(chunk, in.length - i));
    }
    assertThat(b.doFinal()).isEqualTo(Reference.bcBlake2s(key, outLen, in));
  }

  @Test
  void hmacAgreesWithTheRfc2104Definition() {
    Property.forAll(Gens.byteArrays(0, 150), Gens.byteArrays(0, 300))
        .tries(100)
        .check(CryptoProperties::hmacAgreesWithRfc2104);
  }

  private static void hmacAgreesWithRfc2104(byte[] key, byte[] msg) {
    byte[] k = key.length > 64 ? Blake2s.hash(key) : key;
    byte[] ipad = new byte[64];
    byte[] opad = new byte[64];
    for (int i = 0; i < 64; i++) {
      byte kb = i < k.length ? k[i] : 0;
      ipad[i] = (byte) (kb ^ 0x36);
      opad[i] = (byte) (kb ^ 0x5c);
    }
    byte[] expected = Blake2s.hash(opad, Blake2s.hash(ipad, msg));
    assertThat(HmacBlake2s.mac(key, msg)).isEqualTo(expected);
  }

  @Test
  void allZeroSharedSecretIsRejected() {
    Property.forAll(key32())
        .tries(50)
        .check(
            scalar -> {
              byte[] zeroPoint = new byte[32];
              byte[] out = new byte[32];
              assertThat(X25519.sharedSecret(scalar, 0, zeroPoint, 0, out, 0)).isFalse();
            });
  }
}
