package io.weft.wg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The chosen primitives agree with independent implementations on random inputs. */
class CryptoProperties {

  @Provide
  Arbitrary<byte[]> payload() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(65_535)
        .edgeCases(e -> e.add(new byte[0]));
  }

  @Provide
  Arbitrary<byte[]> key32() {
    return Arbitraries.bytes().array(byte[].class).ofSize(32);
  }

  @Provide
  Arbitrary<byte[]> nonce12() {
    return Arbitraries.bytes().array(byte[].class).ofSize(12);
  }

  @Provide
  Arbitrary<byte[]> aad() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
  }

  @Property(tries = 200)
  void sealAgreesWithBouncyCastle(
      @ForAll("key32") byte[] key,
      @ForAll("nonce12") byte[] nonce,
      @ForAll("aad") byte[] aad,
      @ForAll("payload") byte[] pt,
      @ForAll @IntRange(min = 0, max = 40) int offset)
      throws Exception {
    byte[] expected = Reference.bcSeal(key, nonce, aad, pt);
    byte[] buf = new byte[offset + pt.length + 16];
    System.arraycopy(pt, 0, buf, offset, pt.length);
    int n = new ChaCha20Poly1305(key).sealWithNonce(nonce, aad, buf, offset, pt.length, buf, offset);
    assertThat(n).isEqualTo(expected.length);
    assertThat(Arrays.copyOfRange(buf, offset, offset + n)).isEqualTo(expected);
  }

  @Property(tries = 200)
  void openAgreesWithBouncyCastle(
      @ForAll("key32") byte[] key,
      @ForAll("nonce12") byte[] nonce,
      @ForAll("aad") byte[] aad,
      @ForAll("payload") byte[] pt)
      throws Exception {
    byte[] sealed = Reference.bcSeal(key, nonce, aad, pt);
    int n = new ChaCha20Poly1305(key).openWithNonce(nonce, aad, sealed, 0, sealed.length, sealed, 0);
    assertThat(n).isEqualTo(pt.length);
    assertThat(Arrays.copyOf(sealed, n)).isEqualTo(pt);
  }

  @Property(tries = 300)
  void anySingleBitFlipMakesOpenFailWithoutWritingPlaintext(
      @ForAll("key32") byte[] key,
      @ForAll("nonce12") byte[] nonce,
      @ForAll("aad") byte[] aad,
      @ForAll @Size(max = 2000) byte[] pt,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
      @ForAll @IntRange(min = 0, max = 7) int bit)
      throws Exception {
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

  @Property(tries = 300)
  void inPlaceCounterSealRoundTrips(
      @ForAll("key32") byte[] key, @ForAll long counter, @ForAll @Size(max = 3000) byte[] pt)
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

  @Property(tries = 200)
  void x25519AgreesWithJdkXdh(@ForAll("key32") byte[] scalar, @ForAll("key32") byte[] u)
      throws Exception {
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

  @Property(tries = 100)
  void x25519KeyAgreementIsSymmetric(@ForAll("key32") byte[] a, @ForAll("key32") byte[] b) {
    X25519.clamp(a, 0);
    X25519.clamp(b, 0);
    byte[] s1 = new byte[32];
    byte[] s2 = new byte[32];
    X25519.sharedSecret(a, 0, X25519.publicKey(b), 0, s1, 0);
    X25519.sharedSecret(b, 0, X25519.publicKey(a), 0, s2, 0);
    assertThat(s1).isEqualTo(s2);
  }

  @Property(tries = 300)
  void blake2sAgreesWithBouncyCastle(
      @ForAll @Size(max = 32) byte[] key,
      @ForAll @IntRange(min = 1, max = 32) int outLen,
      @ForAll @Size(max = 1000) byte[] in,
      @ForAll @IntRange(min = 1, max = 130) int chunk) {
    Blake2s b = new Blake2s().initKeyed(outLen, key, 0, key.length);
    for (int i = 0; i < in.length; i += chunk) {
      b.update(in, i, Math.min(chunk, in.length - i));
    }
    assertThat(b.doFinal()).isEqualTo(Reference.bcBlake2s(key, outLen, in));
  }

  @Property(tries = 100)
  void hmacAgreesWithTheRfc2104Definition(
      @ForAll @Size(max = 150) byte[] key, @ForAll @Size(max = 300) byte[] msg) {
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

  @Property(tries = 50)
  void allZeroSharedSecretIsRejected(@ForAll("key32") byte[] scalar) {
    byte[] zeroPoint = new byte[32];
    byte[] out = new byte[32];
    assertThat(X25519.sharedSecret(scalar, 0, zeroPoint, 0, out, 0)).isFalse();
  }
}
