package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code weft debug trace}'s DST:PORT/PROTO argument. */
class DebugTraceParseTest {
  @Test
  void shouldParseTargets() {
    assertThat(DebugCommand.Trace.parse("100.64.0.1:22/tcp")).containsExactly("100.64.0.1", 22, 6);
    assertThat(DebugCommand.Trace.parse("[fd7a:115c:a1e0::1]:53/udp"))
        .containsExactly("fd7a:115c:a1e0::1", 53, 17);
    assertThat(DebugCommand.Trace.parse("100.64.0.1/icmp")).containsExactly("100.64.0.1", 0, 1);
    assertThat(DebugCommand.Trace.parse("[fd7a::1]/icmp")).containsExactly("fd7a::1", 0, 58);
    assertThat(DebugCommand.Trace.parse("100.64.0.1/47")).containsExactly("100.64.0.1", 0, 47);
    assertThat(DebugCommand.Trace.parse("100.64.0.1:70000/tcp")).isNull();
    assertThat(DebugCommand.Trace.parse("100.64.0.1:22/bogus")).isNull();
    assertThat(DebugCommand.Trace.parse("100.64.0.1/256")).isNull();
    assertThat(DebugCommand.Trace.parse("host:22/tcp")).isNull();
  }
}
