package io.weft.agent.cli;

import io.weft.derp.server.RelayMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weft relay serve}: the DERP relay of the {@code derp} module ({@link RelayMain}). */
@Command(
    name = "relay",
    description = "DERP relay server (Tailscale-compatible).",
    subcommands = {RelayCommand.Serve.class, CommandLine.HelpCommand.class})
final class RelayCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(
      name = "serve",
      description =
          "Run a relay: --listen HOST:PORT, --tls-cert/--tls-key PEM, "
              + "--stun HOST:PORT, --key-file PATH, --accept-any | --allow-keys PATH, --mesh-psk-file PATH, "
              + "--mesh-with URL[,URL].")
  static final class Serve implements Callable<Integer> {
    @CommandLine.Unmatched List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      return RelayMain.run(args.toArray(String[]::new), System.out, System.err, null);
    }
  }
}
