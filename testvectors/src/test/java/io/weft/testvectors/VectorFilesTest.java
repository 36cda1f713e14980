package io.weft.testvectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every shipped vector file loads, names its source, and holds well-formed cases. */
class VectorFilesTest {

  static final List<String> FILES = VectorFile.ALL;

  /** Fields that hold text or numbers rather than hex bytes. */
  private static final Set<String> TEXT_FIELDS = Set.of("comment", "kind", "outlen", "iterations");

  private static final Pattern LOWER_HEX = Pattern.compile("(?:[0-9a-f]{2})*");

  /** The fields each file's consumers read, by file and then by {@code kind} ("" when none). */
  private static final Map<String, Map<String, Set<String>>> REQUIRED =
      Map.of(
          "x25519-rfc7748",
          Map.of(
              "scalarmult", Set.of("scalar", "u", "out"),
              "iterate", Set.of("iterations", "out"),
              "dh", Set.of("alice_private", "alice_public", "bob_private", "bob_public", "shared")),
          "chacha20poly1305-rfc8439",
          Map.of("", Set.of("key", "nonce", "aad", "plaintext", "ciphertext", "tag")),
          "xchacha20poly1305-draft",
          Map.of(
              "hchacha20", Set.of("key", "nonce", "out"),
              "aead", Set.of("key", "nonce", "aad", "plaintext", "ciphertext", "tag")),
          "blake2s-rfc7693",
          Map.of("", Set.of("key", "input", "outlen", "out")),
          "blake2s-keyed",
          Map.of("", Set.of("key", "input", "outlen", "out")),
          "hmac-blake2s",
          Map.of("", Set.of("key", "input", "out")),
          "hkdf-blake2s",
          Map.of("", Set.of("key", "input", "t0", "t1")));

  @ParameterizedTest
  @FieldSource("FILES")
  void shouldLoadWithSourceAndCases(String name) {
    VectorFile file = VectorFile.load(name);

    assertThat(file.name()).isEqualTo(name);
    assertThat(file.source()).isNotBlank();
    assertThat(file.cases()).isNotEmpty();
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void shouldNameItselfAfterItsFile(String name) throws IOException {
    try (InputStream in = VectorFile.class.getResourceAsStream(name + ".json")) {
      JsonNode root = new ObjectMapper().readTree(in);
      assertThat(root.path("name").asText()).isEqualTo(name);
    }
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void shouldHoldOnlyLowerCaseHexInByteFields(String name) {
    for (VectorFile.Case c : VectorFile.load(name).cases()) {
      c.fields()
          .forEach(
              (field, value) -> {
                if (TEXT_FIELDS.contains(field) || field.endsWith("_text")) {
                  return;
                }
                assertThat(value).as("%s field %s", c.id(), field).matches(LOWER_HEX);
                assertThatCode(() -> c.bytes(field))
                    .as("%s field %s", c.id(), field)
                    .doesNotThrowAnyException();
              });
    }
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void shouldCarryTheFieldsItsReadersUse(String name) {
    Map<String, Set<String>> byKind = REQUIRED.get(name);
    assertThat(byKind).as("required fields declared for %s", name).isNotNull();
    for (VectorFile.Case c : VectorFile.load(name).cases()) {
      String kind = byKind.containsKey("") ? "" : c.str("kind");
      assertThat(byKind).as("%s kind", c.id()).containsKey(kind);
      assertThat(c.fields().keySet()).as(c.id()).containsAll(byKind.get(kind));
    }
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void shouldWriteNumbersInDecimal(String name) {
    for (VectorFile.Case c : VectorFile.load(name).cases()) {
      for (String field : List.of("outlen", "iterations")) {
        if (c.has(field)) {
          assertThat(c.str(field)).as("%s field %s", c.id(), field).matches("[1-9][0-9]*");
        }
      }
    }
  }
}
