package io.weft.dist.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.weft.agent.cli.WeftCli;
import io.weft.control.cli.ControlCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command lines the systemd units run (ExecStart, with the defaults of /etc/default/weft*
 * substituted as systemd does) are ones the CLIs accept: a renamed or removed option fails here,
 * not on an operator's machine at boot. Parsed with picocli, nothing is run.
 */
class UnitCommandLinesTest {
  static Path deb(String relative) {
    Path p = Path.of("src/deb", relative);
    return Files.exists(p)
        ? p
        : Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", ".."), "dist/src/deb", relative);
  }

  /** KEY="value" lines of an environment file (comments and blanks skipped). */
  static Map<String, String> env(Path file) throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = Pattern.compile("^([A-Z_]+)=\"?(.*?)\"?$").matcher(line.strip());
      if (!line.startsWith("#") && m.matches()) {
        env.put(m.group(1), m.group(2));
      }
    }
    return env;
  }

  /** The unit's ExecStart words after /usr/bin/weft, with $VAR split and ${VAR} kept whole. */
  static List<String> execStart(String unit, Map<String, String> env) throws IOException {
    String line =
        Files.readAllLines(deb("systemd/" + unit)).stream()
            .filter(l -> l.startsWith("ExecStart="))
            .findFirst()
            .orElseThrow();
    List<String> words =
        new ArrayList<>(Arrays.asList(line.substring("ExecStart=".length()).split(" ")));
    assertThat(words.removeFirst()).isEqualTo("/usr/bin/weft");
    List<String> out = new ArrayList<>();
    for (String w : words) {
      if (w.startsWith("${")) {
        out.add(env.getOrDefault(w.substring(2, w.length() - 1), ""));
      } else if (w.startsWith("$")) {
        String v = env.getOrDefault(w.substring(1), "");
        if (!v.isBlank()) {
          out.addAll(Arrays.asList(v.strip().split("\\s+")));
        }
      } else {
        out.add(w);
      }
    }
    return out;
  }

  @Test
  void shouldStartTheDaemonWithOptionsItKnows() throws Exception {
    List<String> args = execStart("weft.service", env(deb("default/weft")));
    assertThat(args).startsWith("daemon").contains("--state-dir", "/var/lib/weft");
    assertThatCode(() -> new CommandLine(new WeftCli()).parseArgs(args.toArray(String[]::new)))
        .as("weft %s", args)
        .doesNotThrowAnyException();
  }

  @Test
  void shouldStartTheServerWithOptionsItKnows() throws Exception {
    List<String> args = execStart("weft-control.service", env(deb("default/weft-control")));
    assertThat(args).containsSubsequence("control", "serve").contains("--data-dir", "--listen");
    List<String> rest = args.subList(1, args.size());
    assertThatCode(() -> new CommandLine(new ControlCli()).parseArgs(rest.toArray(String[]::new)))
        .as("weft %s", args)
        .doesNotThrowAnyException();
  }

  @Test
  void shouldStartTheRelayWithTheListenAddressOfItsEnvironmentFile() throws Exception {
    List<String> args = execStart("weft-relay.service", env(deb("default/weft-relay")));
    assertThat(args)
        .containsExactly(
            "relay",
            "serve",
            "--listen",
            "0.0.0.0:3340",
            "--key-file",
            "/var/lib/weft-relay/relay.key");
  }

  @Test
  void shouldRefuseAnUnknownOptionSoTheChecksAboveMeanSomething() {
    assertThatCode(
            () -> new CommandLine(new WeftCli()).parseArgs("daemon", "--state-directory", "/x"))
        .isInstanceOf(CommandLine.ParameterException.class);
  }
}
