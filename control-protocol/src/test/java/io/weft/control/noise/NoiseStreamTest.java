package io.weft.control.noise;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class NoiseStreamTest {
  @Test
  void shouldReportAWriteAfterCloseAsAnIoErrorNotAnIllegalState() throws IOException {
    byte[] key = new byte[32];
    NoiseStream stream =
        new NoiseStream(
            new CipherPair(key, key.clone()),
            new ByteArrayInputStream(new byte[0]),
            new ByteArrayOutputStream());
    stream.close(); // what another thread does when the server goes away mid-register
    stream.out().write(1);
    assertThatThrownBy(() -> stream.out().flush())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("control channel closed");
  }
}
