package io.weft.derp.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.wg.crypto.X25519;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NaclBoxTest {
  private static final HexFormat HEX = HexFormat.of();

  static Map<String, byte[]> kat() throws IOException {
    Map<String, byte[]> m = new HashMap<>();
    try (InputStream in = NaclBoxTest.class.getResourceAsStream("nacl-box-kat.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.startsWith("#") && line.contains("=")) {
          String[] kv = line.split("=", 2);
          m.put(kv[0].strip(), HEX.parseHex(kv[1].strip()));
        }
      }
    }
    return m;
  }

  @Test
  void shouldMatchTheNaclBoxKnownAnswer() throws IOException {
    Map<String, byte[]> v = kat();
    assertThat(X25519.publicKey(v.get("alice_sk"))).isEqualTo(v.get("alice_pk"));
    assertThat(X25519.publicKey(v.get("bob_sk"))).isEqualTo(v.get("bob_pk"));
    byte[] k = NaclBox.beforeNm(v.get("alice_sk"), v.get("bob_pk"));
    assertThat(k).isEqualTo(v.get("beforenm"));
    assertThat(NaclBox.seal(k, v.get("nonce"), v.get("m"))).isEqualTo(v.get("c"));
    byte[] kb = NaclBox.beforeNm(v.get("bob_sk"), v.get("alice_pk"));
    byte[] c = v.get("c");
    assertThat(NaclBox.open(kb, v.get("nonce"), c, 0, c.length)).isEqualTo(v.get("m"));
  }

  @Test
  void shouldRejectEveryFlippedBit() throws IOException {
    Map<String, byte[]> v = kat();
    byte[] k = NaclBox.beforeNm(v.get("bob_sk"), v.get("alice_pk"));
    byte[] c = v.get("c").clone();
    for (int i = 0; i < c.length * 8; i += 7) {
      c[i / 8] ^= (byte) (1 << (i % 8));
      assertThat(NaclBox.open(k, v.get("nonce"), c, 0, c.length)).as("bit %d", i).isNull();
      c[i / 8] ^= (byte) (1 << (i % 8));
    }
  }

  @Test
  void sealToShouldOpenFromWithRandomKeysAndLengths() {
    long seed = new SecureRandom().nextLong();
    Random r = new Random(seed);
    SecureRandom keys = new SecureRandom();
    for (int i = 0; i < 200; i++) {
      byte[] a = X25519.generatePrivateKey(keys);
      byte[] b = X25519.generatePrivateKey(keys);
      byte[] msg = new byte[r.nextInt(600)];
      r.nextBytes(msg);
      byte[] sealed = NaclBox.sealTo(a, X25519.publicKey(b), msg);
      assertThat(NaclBox.openFrom(b, X25519.publicKey(a), sealed, 0, sealed.length))
          .as("seed %d case %d", seed, i)
          .isEqualTo(msg);
      // truncated input never opens and never throws
      int cut = r.nextInt(sealed.length);
      assertThat(NaclBox.openFrom(b, X25519.publicKey(a), sealed, 0, cut))
          .as("seed %d case %d", seed, i)
          .isNull();
    }
  }
}
