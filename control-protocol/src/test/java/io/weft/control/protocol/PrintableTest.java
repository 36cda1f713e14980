package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {
  @Test
  void shouldDropControlCharactersAndKeepEverythingElse() {
    assertThat(Printable.strip("laptop\u001b[2J\u001b]0;owned\u0007\r\nfake: line"))
        .isEqualTo("laptop[2J]0;ownedfake: line");
    assertThat(Printable.strip("caf\u00e9 \u6771\u4eac")).isEqualTo("caf\u00e9 \u6771\u4eac");
    assertThat(Printable.strip("a\u009bb\u202ec\u2066d\u007f")).isEqualTo("abcd");
    assertThat(Printable.strip(null)).isNull();
  }
}
