package io.weft.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.server.RelayMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --help} works on every subcommand: it prints that command's usage and exits 0. */
class HelpOptionTest {
  static List<List<String>> paths(CommandLine cl, List<String> prefix) {
    List<List<String>> out = new ArrayList<>();
    for (var e : cl.getSubcommands().entrySet()) {
      List<String> p = new ArrayList<>(prefix);
      p.add(e.getKey());
      out.add(p);
      out.addAll(paths(e.getValue(), p));
    }
    return out;
  }

  @Test
  void shouldPrintUsageAndExitZeroForEverySubcommand() {
    CommandLine root = new CommandLine(new WeftCli());
    WeftCli.addHelp(root);
    List<List<String>> all = paths(root, List.of());
    assertThat(all).extracting(p -> String.join(" ", p)).contains("up", "status", "daemon");
    for (List<String> path : all) {
      if (path.equals(List.of("relay", "serve"))) {
        continue; // its own parser, below
      }
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int rc = WeftCli.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
      assertThat(rc).as("weft %s --help: %s", String.join(" ", path), err).isZero();
      assertThat(out.toString())
          .as("weft %s --help", String.join(" ", path))
          .contains("Usage: weft " + String.join(" ", path));
    }
  }

  @Test
  void shouldPrintTheRelaysUsage() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc =
        RelayMain.run(
            new String[] {"--help"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            null);
    assertThat(rc).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("Usage: weft relay serve")
        .contains("--listen");
  }
}
