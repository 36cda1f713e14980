package io.weft.wg.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import io.weft.wg.crypto.ChaCha20Poly1305.Engine;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The OpenSSL engine behaves exactly like the JDK engine behind {@link ChaCha20Poly1305}: same
 * bytes, same refusals, same untouched buffers, and bad indexes stop in Java before any native
 * call.
 */
class AeadEngineProperties {

  static Gen<byte[]> key32() {
    return Gens.byteArrays(32);
  }

  static Gen<byte[]> nonce12() {
    return Gens.byteArrays(12);
  }

  static Gen<byte[]> aad() {
    return Gens.byteArrays(0, 300).orNull(0.2);
  }

  static Gen<Engine> engine() {
    return Gens.of(Engine.values());
  }

  /** Any int, weighted towards the edges a bounds check gets wrong. */
  static Gen<Integer> garbage() {
    return Gens.oneOf(
        Gens.ints(),
        Gens.ints(-20, 2100),
        Gens.of(
            Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 15, -16, -1, 0, 15, 16, 17));
  }

  private static ChaCha20Poly1305 make(byte[] key, Engine engine) {
    AeadEngines.require(engine);
    return new ChaCha20Poly1305(key, engine);
  }

  record Seal(byte[] key, byte[] nonce, byte[] aad, byte[] pt, int offset) {}

  @Test
  void openSslSealsExactlyLikeTheJdk() {
    final Gen<byte[]> keys = key32();
    final Gen<byte[]> nonces = nonce12();
    final Gen<byte[]> aads = aad();
    final Gen<byte[]> pts = Gens.byteArrays(0, 2000);
    final Gen<Integer> offsets = Gens.ints(0, 40);
    final Gen<Seal> seals =
        src ->
            new Seal(
                keys.generate(src),
                nonces.generate(src),
                aads.generate(src),
                pts.generate(src),
                offsets.generate(src));
    Property.forAll(seals)
        .tries(300)
        .check(c -> openSslSealsExactlyLikeTheJdk(c.key(), c.nonce(), c.aad(), c.pt(), c.offset()));
  }

  private static void openSslSealsExactlyLikeTheJdk(
      byte[] key, byte[] nonce, byte[] aad, byte[] pt, int offset) {
    byte[] viaJdk = new byte[offset + pt.length + 16 + 7];
    System.arraycopy(pt, 0, viaJdk, offset, pt.length);
    byte[] viaOssl = viaJdk.clone();
    var jdk = make(key, Engine.JDK);
    var ossl = make(key, Engine.OPENSSL);
    assertThat(ossl.sealWithNonce(nonce, aad, viaOssl, offset, pt.length, viaOssl, offset))
        .isEqualTo(jdk.sealWithNonce(nonce, aad, viaJdk, offset, pt.length, viaJdk, offset))
        .isEqualTo(pt.length + 16);
    assertThat(viaOssl).isEqualTo(viaJdk);
    // Each opens the other's output.
    byte[] back = viaJdk.clone();
    assertThat(ossl.openWithNonce(nonce, aad, viaJdk, offset, pt.length + 16, viaJdk, offset))
        .isEqualTo(pt.length);
    assertThat(jdk.openWithNonce(nonce, aad, back, offset, pt.length + 16, back, offset))
        .isEqualTo(pt.length);
    assertThat(Arrays.copyOfRange(viaJdk, offset, offset + pt.length)).isEqualTo(pt);
    assertThat(Arrays.copyOfRange(back, offset, offset + pt.length)).isEqualTo(pt);
    ossl.destroy();
    jdk.destroy();
  }

  record CounterSeal(byte[] key, long counter, byte[] aad, byte[] pt, int offset) {}

  @Test
  void counterSealAgreesAcrossEnginesAndBufferKinds() {
    final Gen<byte[]> keys = key32();
    final Gen<Long> counters = Gens.longs();
    final Gen<byte[]> aads = aad();
    final Gen<byte[]> pts = Gens.byteArrays(0, 2000);
    final Gen<Integer> offsets = Gens.ints(0, 40);
    final Gen<CounterSeal> seals =
        src ->
            new CounterSeal(
                keys.generate(src),
                counters.generate(src),
                aads.generate(src),
                pts.generate(src),
                offsets.generate(src));
    Property.forAll(seals)
        .tries(200)
        .check(c -> counterSealAgrees(c.key(), c.counter(), c.aad(), c.pt(), c.offset()));
  }

  private static void counterSealAgrees(
      byte[] key, long counter, byte[] aad, byte[] pt, int offset) {
    byte[] expected = new byte[offset + pt.length + 16];
    System.arraycopy(pt, 0, expected, offset, pt.length);
    make(key, Engine.JDK).seal(counter, aad, expected, offset, pt.length);
    for (Engine engine : Engine.values()) {
      for (ByteBuffer b :
          new ByteBuffer[] {
            ByteBuffer.allocate(expected.length), ByteBuffer.allocateDirect(expected.length)
          }) {
        // A fresh instance each time: the JDK cipher refuses to seal twice under one nonce.
        var aead = make(key, engine);
        b.put(offset, pt);
        b.position(Math.min(3, offset)); // absolute indexes: the position must not matter
        assertThat(aead.seal(counter, aad, b, offset, pt.length)).isEqualTo(pt.length + 16);
        byte[] got = new byte[expected.length];
        b.get(0, got);
        assertThat(got).as("%s %s", aead, b).isEqualTo(expected);
        assertThat(aead.open(counter, aad, b, offset, pt.length + 16)).isEqualTo(pt.length);
        b.get(0, got);
        assertThat(Arrays.copyOfRange(got, offset, offset + pt.length)).isEqualTo(pt);
        assertThat(aead.open(counter + 1, aad, b.duplicate(), offset, pt.length + 16))
            .isEqualTo(-1);
      }
    }
  }

  record Flip(
      Engine engine,
      byte[] key,
      byte[] nonce,
      byte[] aad,
      byte[] pt,
      int where,
      int bit,
      boolean direct) {}

  @Test
  void anySingleBitFlipIsRefusedAndReleasesNothing() {
    final Gen<Engine> engines = engine();
    final Gen<byte[]> keys = key32();
    final Gen<byte[]> nonces = nonce12();
    final Gen<byte[]> aads = aad();
    final Gen<byte[]> pts = Gens.byteArrays(0, 2000);
    final Gen<Integer> wheres = Gens.ints(0, Integer.MAX_VALUE);
    final Gen<Integer> bits = Gens.ints(0, 7);
    final Gen<Boolean> directs = Gens.booleans();
    final Gen<Flip> flips =
        src ->
            new Flip(
                engines.generate(src),
                keys.generate(src),
                nonces.generate(src),
                aads.generate(src),
                pts.generate(src),
                wheres.generate(src),
                bits.generate(src),
                directs.generate(src));
    Property.forAll(flips)
        .tries(400)
        .check(
            f ->
                bitFlipIsRefused(
                    f.engine(),
                    f.key(),
                    f.nonce(),
                    f.aad(),
                    f.pt(),
                    f.where(),
                    f.bit(),
                    f.direct()));
  }

  private static void bitFlipIsRefused(
      Engine engine,
      byte[] key,
      byte[] nonce,
      byte[] aad,
      byte[] pt,
      int where,
      int bit,
      boolean direct) {
    var aead = make(key, engine);
    byte[] sealed = Arrays.copyOf(pt, pt.length + 16);
    aead.sealWithNonce(nonce, aad, sealed, 0, pt.length, sealed, 0);
    byte[] n2 = nonce.clone();
    byte[] a2 = aad == null ? new byte[0] : aad.clone();
    int space = sealed.length + 12 + a2.length;
    int i = where % space;
    if (i < sealed.length) {
      sealed[i] ^= (byte) (1 << bit);
    } else if (i < sealed.length + 12) {
      n2[i - sealed.length] ^= (byte) (1 << bit);
    } else {
      a2[i - sealed.length - 12] ^= (byte) (1 << bit);
    }
    byte[] forged = sealed.clone();
    // In place: the buffer keeps the forged ciphertext, not the would-be plaintext.
    assertThat(aead.openWithNonce(n2, a2, sealed, 0, sealed.length, sealed, 0)).isEqualTo(-1);
    assertThat(sealed).isEqualTo(forged);
    // Out of place: the output region is untouched.
    byte[] out = new byte[pt.length + 3];
    Arrays.fill(out, (byte) 0x5a);
    byte[] untouched = out.clone();
    assertThat(aead.openWithNonce(n2, a2, sealed, 0, sealed.length, out, 3)).isEqualTo(-1);
    assertThat(out).isEqualTo(untouched);
    assertThat(sealed).isEqualTo(forged);
    if (direct && Arrays.equals(n2, nonce)) {
      // The counter form on a direct buffer: counter 0 is nonce 0^12 only, so use sealed data.
      ByteBuffer b = ByteBuffer.allocateDirect(forged.length).put(0, forged);
      assertThat(aead.open(0, a2, b, 0, forged.length)).isIn(-1, pt.length);
    }
    aead.destroy();
  }

  record Indexes(Engine engine, int off, int len, int outOff, int call, int size) {}

  @Test
  void garbageIndexesAreRefusedInJavaAndTouchNothingOutside() {
    final Gen<Engine> engines = engine();
    final Gen<Integer> garbage = garbage();
    final Gen<Integer> calls = Gens.ints(0, 6);
    final Gen<Integer> sizes = Gens.ints(0, 2100);
    final Gen<Indexes> indexes =
        src ->
            new Indexes(
                engines.generate(src),
                garbage.generate(src),
                garbage.generate(src),
                garbage.generate(src),
                calls.generate(src),
                sizes.generate(src));
    Property.forAll(indexes)
        .tries(1000)
        .check(
            i ->
                garbageIndexesAreRefused(
                    i.engine(), i.off(), i.len(), i.outOff(), i.call(), i.size()));
  }

  private static void garbageIndexesAreRefused(
      Engine engine, int off, int len, int outOff, int call, int size) {
    var aead = make(new byte[32], engine);
    byte[] buf = new byte[size];
    Arrays.fill(buf, (byte) 0x33);
    byte[] other = new byte[size];
    Arrays.fill(other, (byte) 0x44);
    ByteBuffer direct = ByteBuffer.allocateDirect(size);
    byte[] nonce = new byte[12];
    boolean inBounds;
    try {
      switch (call) {
        case 0 -> aead.seal(1, null, buf, off, len);
        case 1 -> aead.open(1, null, buf, off, len);
        case 2 -> aead.seal(1, null, direct, off, len);
        case 3 -> aead.open(1, null, direct, off, len);
        case 4 -> aead.sealWithNonce(nonce, null, buf, off, len, other, outOff);
        case 5 -> aead.openWithNonce(nonce, null, buf, off, len, other, outOff);
        default ->
            aead.seal(
                1, new byte[5], ByteBuffer.wrap(buf, 1, Math.max(0, size - 1)).slice(), off, len);
      }
      inBounds = true;
    } catch (IndexOutOfBoundsException e) {
      inBounds = false;
    }
    // Sealing in place needs room for the tag after the plaintext; sealing out of place (call 4)
    // reads only the plaintext, and the tag's room is checked on the output below.
    long need = (long) off + len + (call % 2 == 0 && call != 4 ? 16 : 0);
    boolean legal = off >= 0 && len >= 0 && need <= (call == 6 ? size - 1 : size);
    if (call == 4) {
      legal &= outOff >= 0 && (long) outOff + len + 16 <= size;
    }
    if (call == 5 && legal && len >= 16) {
      legal = outOff >= 0 && (long) outOff + len - 16 <= size;
    }
    assertThat(inBounds)
        .as("call %d off %d len %d outOff %d size %d", call, off, len, outOff, size)
        .isEqualTo(legal);
    if (!inBounds) {
      byte[] b = new byte[size];
      Arrays.fill(b, (byte) 0x33);
      assertThat(buf).isEqualTo(b);
      Arrays.fill(b, (byte) 0x44);
      assertThat(other).isEqualTo(b);
    }
    aead.destroy();
  }

  @Test
  void wrongNonceLengthsAreRefused() {
    Property.forAll(engine(), Gens.byteArrays(0, 40))
        .tries(50)
        .check(
            (engine, nonce) -> {
              if (nonce.length == 12) {
                return;
              }
              var aead = make(new byte[32], engine);
              byte[] buf = new byte[64];
              assertThatThrownBy(() -> aead.sealWithNonce(nonce, null, buf, 0, 10, buf, 0))
                  .isInstanceOf(IllegalArgumentException.class);
              assertThatThrownBy(() -> aead.openWithNonce(nonce, null, buf, 0, 40, buf, 0))
                  .isInstanceOf(IllegalArgumentException.class);
            });
  }

  @Test
  void useAfterDestroyIsAClearErrorOnEveryEngine() {
    for (Engine engine : Engine.values()) {
      var aead = make(new byte[32], engine);
      byte[] buf = new byte[64];
      aead.seal(1, null, buf, 0, 10);
      aead.destroy();
      aead.destroy(); // harmless twice
      assertThatThrownBy(() -> aead.seal(2, null, buf, 0, 10))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after destroy");
      assertThatThrownBy(() -> aead.open(1, null, buf, 0, 26))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> aead.openWithNonce(new byte[12], null, buf, 0, 26, buf, 0))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> aead.seal(1, null, ByteBuffer.allocateDirect(64), 0, 10))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> aead.rekey(new byte[32], 0))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void rekeyChangesTheKeyOnEveryEngine() {
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[40];
    Arrays.fill(k2, (byte) 9);
    for (Engine engine : Engine.values()) {
      var aead = make(k1, engine);
      var fresh = make(Arrays.copyOfRange(k2, 8, 40), Engine.JDK);
      aead.rekey(k2, 8);
      byte[] a = new byte[100];
      byte[] b = new byte[100];
      aead.seal(5, null, a, 0, 84);
      fresh.seal(5, null, b, 0, 84);
      assertThat(a).as(engine.name()).isEqualTo(b);
    }
  }

  @Test
  void readOnlyBuffersAreRefused() {
    for (Engine engine : Engine.values()) {
      var aead = make(new byte[32], engine);
      ByteBuffer ro = ByteBuffer.allocateDirect(64).asReadOnlyBuffer();
      assertThatThrownBy(() -> aead.seal(1, null, ro, 0, 10))
          .isInstanceOf(ReadOnlyBufferException.class);
    }
  }

  @Test
  void openSslIsTheDefaultWhereLibcryptoWorks() {
    AeadEngines.require(Engine.OPENSSL);
    String forced = System.getProperty("weft.aead", System.getenv("WEFT_AEAD"));
    if (forced == null || forced.isBlank() || forced.equalsIgnoreCase("auto")) {
      assertThat(Engine.DEFAULT).isEqualTo(Engine.OPENSSL);
      assertThat(new ChaCha20Poly1305(new byte[32]).engine()).isEqualTo(Engine.OPENSSL);
    }
  }

  @Test
  void instancesLeftForTheCollectorDoNotExhaustNativeMemory() {
    // The handshake makes and drops instances without destroy(); the Cleaner frees their contexts.
    for (int i = 0; i < 200_000; i++) {
      new ChaCha20Poly1305(new byte[32], Engine.DEFAULT).seal(i, null, new byte[32], 0, 16);
    }
  }
}
