package io.weft.wg.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testvectors.VectorFile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in self-test passes, and each vector it embeds is one of the testvectors files'. */
class SelfTestTest {

  @Test
  void shouldPassEveryEmbeddedVector() {
    final List<SelfTest.Result> results = SelfTest.run();
    assertThat(results)
        .extracting(SelfTest.Result::primitive)
        .containsExactly(
            "X25519",
            "ChaCha20-Poly1305",
            "XChaCha20-Poly1305",
            "BLAKE2s",
            "HMAC-BLAKE2s",
            "KDF1..3");
    assertThat(results).allSatisfy(r -> assertThat(r.ok()).as(r.toString()).isTrue());
    assertThat(SelfTest.passes()).isTrue();
  }

  @Test
  void shouldEmbedOnlyVectorsOfTheTestVectorFiles() {
    contains(
        "x25519-rfc7748",
        Map.of(
            "scalar", SelfTest.X25519_SCALAR, "u", SelfTest.X25519_U, "out", SelfTest.X25519_OUT));
    contains(
        "x25519-rfc7748",
        Map.of("kind", "iterate", "iterations", "1", "out", SelfTest.X25519_ITERATE_1));
    contains(
        "x25519-rfc7748",
        Map.of(
            "alice_private",
            SelfTest.DH_ALICE_PRIVATE,
            "alice_public",
            SelfTest.DH_ALICE_PUBLIC,
            "bob_public",
            SelfTest.DH_BOB_PUBLIC,
            "shared",
            SelfTest.DH_SHARED));
    contains(
        "chacha20poly1305-rfc8439",
        Map.of(
            "key",
            SelfTest.AEAD_KEY,
            "nonce",
            SelfTest.AEAD_NONCE,
            "aad",
            SelfTest.AEAD_AAD,
            "plaintext",
            SelfTest.AEAD_PLAINTEXT,
            "ciphertext",
            SelfTest.AEAD_CIPHERTEXT,
            "tag",
            SelfTest.AEAD_TAG));
    contains(
        "xchacha20poly1305-draft",
        Map.of(
            "key",
            SelfTest.HCHACHA_KEY,
            "nonce",
            SelfTest.HCHACHA_NONCE,
            "out",
            SelfTest.HCHACHA_OUT));
    contains(
        "xchacha20poly1305-draft",
        Map.of(
            "key",
            SelfTest.XAEAD_KEY,
            "nonce",
            SelfTest.XAEAD_NONCE,
            "aad",
            SelfTest.XAEAD_AAD,
            "plaintext",
            SelfTest.XAEAD_PLAINTEXT,
            "ciphertext",
            SelfTest.XAEAD_CIPHERTEXT,
            "tag",
            SelfTest.XAEAD_TAG));
    contains(
        "blake2s-rfc7693", Map.of("input", SelfTest.BLAKE2S_INPUT, "out", SelfTest.BLAKE2S_OUT));
    contains(
        "blake2s-keyed",
        Map.of(
            "key",
            SelfTest.BLAKE2S_KEY,
            "input",
            "",
            "outlen",
            "32",
            "out",
            SelfTest.BLAKE2S_KEYED_OUT));
    contains(
        "hmac-blake2s",
        Map.of("key", SelfTest.HMAC_KEY, "input", SelfTest.HMAC_INPUT, "out", SelfTest.HMAC_OUT));
    contains(
        "hkdf-blake2s",
        Map.of(
            "key",
            SelfTest.KDF_KEY,
            "input",
            SelfTest.KDF_INPUT,
            "t0",
            SelfTest.KDF_T0,
            "t1",
            SelfTest.KDF_T1,
            "t2",
            SelfTest.KDF_T2));
  }

  private static void contains(String file, Map<String, String> fields) {
    assertThat(VectorFile.load(file).cases())
        .as("a case of %s with %s", file, fields.keySet())
        .anySatisfy(
            c ->
                fields.forEach(
                    (k, v) -> {
                      assertThat(c.has(k)).as(k).isTrue();
                      assertThat(c.str(k).replace(" ", "")).isEqualToIgnoringCase(v);
                    }));
  }
}
