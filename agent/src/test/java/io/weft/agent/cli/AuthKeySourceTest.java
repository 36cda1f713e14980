package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft up --auth-key}: the key from argv, a file or standard input. */
class AuthKeySourceTest {
  @TempDir Path tmp;

  static InputStream stdin(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldReadTheKeyFromAFileOrStandardInputSoItStaysOutOfArgv() throws IOException {
    Path f = Files.writeString(tmp.resolve("key"), "weft-auth-secret\nignored\n");
    assertThat(AuthKeySource.read("file:" + f, stdin(""))).isEqualTo("weft-auth-secret");
    assertThat(AuthKeySource.read("-", stdin("  weft-auth-piped\r\n")))
        .isEqualTo("weft-auth-piped");
    assertThat(AuthKeySource.read("weft-auth-inline", stdin(""))).isEqualTo("weft-auth-inline");
  }

  @Test
  void shouldRefuseAnEmptyOrHugeSource() {
    assertThatThrownBy(() -> AuthKeySource.read("-", stdin("\n"))).hasMessageContaining("empty");
    assertThatThrownBy(() -> AuthKeySource.read("-", stdin("x".repeat(5000))))
        .hasMessageContaining("longer");
    assertThatThrownBy(() -> AuthKeySource.read("file:" + tmp.resolve("missing"), stdin("")))
        .isInstanceOf(IOException.class);
  }
}
