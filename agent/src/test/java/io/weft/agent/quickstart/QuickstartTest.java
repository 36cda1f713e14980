package io.weft.agent.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.cli.WeftCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code weft quickstart} runs end to end without root and says what it proved. */
class QuickstartTest {
  @Test
  void shouldPassEveryKnownAnswerAndCarryHttpThroughTheTunnel() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = WeftCli.run(new String[] {"quickstart"}, new PrintWriter(out), new PrintWriter(err));
    assertThat(rc).as("exit status; output:%n%s%n%s", out, err).isZero();
    assertThat(out.toString())
        .contains("All known answers match.")
        .contains("SHA-256 matches")
        .contains("quickstart: everything above worked.")
        .doesNotContain("MISMATCH")
        .doesNotContain("FAILED");
  }
}
