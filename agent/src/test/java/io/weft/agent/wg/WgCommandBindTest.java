package io.weft.agent.wg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.conn.linux.LinuxBatchUdpBind;
import org.junit.jupiter.api.Test;

/** Which UDP bind {@code weft wg} picks from {@code WEFT_BIND} and whether the TUN has offloads. */
class WgCommandBindTest {
  private static Class<?> batched() {
    return LinuxBatchUdpBind.isSupported() ? LinuxBatchUdpBind.class : UdpBind.class;
  }

  @Test
  void withoutOffloadsTheDefaultIsThePlainBind() throws Exception {
    try (Bind b = WgCommand.bind(null, false)) {
      assertThat(b).isInstanceOf(UdpBind.class);
    }
  }

  @Test
  void withOffloadsTheDefaultReceivesInBatchesWithoutGso() throws Exception {
    try (Bind b = WgCommand.bind("", true)) {
      assertThat(b).isInstanceOf(batched());
      if (b instanceof LinuxBatchUdpBind l) {
        assertThat(l.batchSize()).isEqualTo(LinuxBatchUdpBind.DEFAULT_BATCH_SIZE);
        assertThat(l.toString()).doesNotContain("gso");
      }
    }
  }

  @Test
  void anExplicitChoiceWins() throws Exception {
    try (Bind plain = WgCommand.bind("plain", true);
        Bind batch = WgCommand.bind("batch", false)) {
      assertThat(plain).isInstanceOf(UdpBind.class);
      assertThat(batch).isInstanceOf(batched());
    }
  }

  @Test
  void anUnknownChoiceIsAClearError() {
    assertThatThrownBy(() -> WgCommand.bind("batched", true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("WEFT_BIND='batched'")
        .hasMessageContaining("plain, batch or batch-nogso");
  }
}
