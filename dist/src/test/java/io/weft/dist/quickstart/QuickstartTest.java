package io.weft.dist.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft quickstart} in this JVM: a real coordination server on SQLite and two userspace
 * nodes, no root. It passes only when the download's hash matches, says so, and leaves nothing
 * behind; when a step cannot finish in time it fails with a reason and still cleans up.
 */
class QuickstartTest {
  @TempDir Path temp;

  record Run(int rc, String out, String err) {}

  Run quickstart(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = Quickstart.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  static String only(Pattern p, String text) {
    Matcher m = p.matcher(text);
    assertThat(m.find()).as("%s in:%n%s", p, text).isTrue();
    return m.group(1);
  }

  List<Path> leftInTemp() throws Exception {
    try (Stream<Path> s = Files.list(temp)) {
      return s.toList();
    }
  }

  @Test
  void shouldJoinTwoNodesThroughTheServerAndCarryHttpWithAMatchingHash() throws Exception {
    Run r = quickstart("--temp-dir", temp.toString(), "--megabytes", "2");
    assertThat(r.rc()).as("exit status; output:%n%s%n%s", r.out(), r.err()).isZero();
    String out = r.out();
    assertThat(out)
        .contains("All known answers match.")
        .contains("alpha  RUNNING after", "bravo  RUNNING after")
        .contains("alpha has bravo", "bravo has alpha")
        .contains("bytes in")
        .contains("the hashes match")
        .contains("quickstart: every step passed")
        .doesNotContain("MISMATCH", "FAILED");
    assertThat(only(Pattern.compile("GET http://\\S+: ([\\d,]+) bytes"), out))
        .isEqualTo("2,097,152");
    assertThat(only(Pattern.compile("SHA-256 received ([0-9a-f]{64})"), out))
        .isEqualTo(only(Pattern.compile("SHA-256 served   ([0-9a-f]{64})"), out));

    // The status block lists bravo under its mesh address, with a handshake and the download's
    // bytes.
    String bravoIp =
        only(Pattern.compile("bravo  RUNNING after [\\d.]+ s: (\\d+\\.\\d+\\.\\d+\\.\\d+) "), out);
    String status =
        out.substring(out.indexOf("`weft status` on alpha"), out.indexOf("Shutting down"));
    String bravoLine = status.lines().filter(l -> l.contains("bravo")).findFirst().orElseThrow();
    // Columns: PEER ADDRESSES ENDPOINT LAST-HANDSHAKE RX TX ONLINE (StatusPrinter).
    assertThat(bravoLine).contains(bravoIp).doesNotContain("never").endsWith("yes");
    String alphaIp =
        only(Pattern.compile("alpha  RUNNING after [\\d.]+ s: (\\d+\\.\\d+\\.\\d+\\.\\d+) "), out);
    assertThat(status.lines().filter(l -> l.contains(alphaIp)).findFirst().orElseThrow())
        .contains("address:");
    assertThat(status).contains("state:    RUNNING", "hostname: alpha", "control:  connected");

    assertThat(out)
        .contains(
            "stopped node alpha",
            "stopped node bravo",
            "stopped the coordination server",
            "deleted ");
    assertThat(leftInTemp()).as("the temporary directory is deleted").isEmpty();
  }

  @Test
  void shouldFailWithAReasonAndCleanUpWhenAStepDoesNotFinishInTime() throws Exception {
    Run r = quickstart("--temp-dir", temp.toString(), "--skip-crypto", "--step-timeout", "0.001");
    assertThat(r.rc()).as("output:%n%s", r.out()).isEqualTo(1);
    assertThat(r.out())
        .containsPattern("FAILED: alpha did not reach RUNNING within 0\\.001 s: state LOGGING_IN")
        .contains("stopped node alpha", "stopped the coordination server")
        .doesNotContain("stopped node bravo")
        .contains(
            "quickstart: FAILED at step 3 (Two nodes join with the pre-auth key, in userspace mode)")
        .doesNotContain("every step passed");
    assertThat(leftInTemp()).isEmpty();
  }

  @Test
  void shouldRefuseAnImpossibleSize() {
    Run r = quickstart("--megabytes", "0");
    assertThat(r.rc()).isEqualTo(2);
    assertThat(r.err()).contains("--megabytes must be between 1 and 1024");
    assertThat(r.out()).isEmpty();
  }
}
