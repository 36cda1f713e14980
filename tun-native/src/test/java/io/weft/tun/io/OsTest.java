package io.weft.tun.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OsTest {
  @Test
  void shouldClassifyOsNames() {
    assertThat(Os.of("Linux")).isEqualTo(Os.LINUX);
    assertThat(Os.of("Mac OS X")).isEqualTo(Os.DARWIN);
    assertThat(Os.of("Darwin")).isEqualTo(Os.DARWIN);
    assertThat(Os.of("Windows 11")).isEqualTo(Os.WINDOWS);
    assertThat(Os.of("FreeBSD")).isEqualTo(Os.OTHER);
  }
}
