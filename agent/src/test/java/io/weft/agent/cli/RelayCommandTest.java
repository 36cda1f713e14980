package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class RelayCommandTest {
  @Test
  void relayServeShouldReachTheRelayAndRejectUnknownFlags() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc =
        WeftCli.run(
            new String[] {"relay", "serve", "--no-such-flag"},
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(rc).isEqualTo(2);
    rc = WeftCli.run(new String[] {"relay"}, new PrintWriter(out), new PrintWriter(err));
    assertThat(rc).isZero();
    assertThat(out.toString()).contains("serve");
  }
}
