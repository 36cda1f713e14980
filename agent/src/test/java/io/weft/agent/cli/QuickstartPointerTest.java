package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The node's jar does not carry the server, so its {@code weft quickstart} says where the tour is.
 */
class QuickstartPointerTest {
  @Test
  void shouldPointAtTheDistributionJarAndFail() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = WeftCli.run(new String[] {"quickstart"}, new PrintWriter(out), new PrintWriter(err));
    assertThat(rc).isEqualTo(2);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString())
        .contains("./weft quickstart")
        .contains("dist/target/weft-quickstart.jar");
  }
}
