package io.weft.agent.cli;

import io.weft.wg.key.NoisePresharedKey;
import io.weft.wg.key.NoisePrivateKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The {@code weft} command line. */
@Command(
    name = "weft",
    mixinStandardHelpOptions = true,
    versionProvider = WeftCli.Version.class,
    description = "Weft: a mesh VPN in pure Java (userspace WireGuard, userspace TCP/IP).",
    subcommands = {
      WeftCli.VersionCommand.class,
      WeftCli.GenKey.class,
      WeftCli.PubKey.class,
      WeftCli.GenPsk.class,
      WeftCli.Quickstart.class,
      io.weft.agent.wg.WgCommand.class,
      NodeCommands.DaemonCommand.class,
      NodeCommands.Up.class,
      NodeCommands.Status.class,
      NodeCommands.Ip.class,
      NodeCommands.Ping.class,
      NodeCommands.Down.class,
      NodeCommands.Logout.class,
      RelayCommand.class,
      DebugCommand.class,
      CommandLine.HelpCommand.class
    })
public final class WeftCli implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Option(
      names = "--socket",
      description =
          "The daemon's local API socket (default: $WEFT_SOCKET, else /var/run/weft/weftd.sock).")
  java.nio.file.Path socket;

  private InputStream stdin = System.in;

  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, StandardCharsets.UTF_8),
            new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
  }

  /** Runs the CLI with the given streams (for tests) and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, System.in, out, err);
  }

  /**
   * As {@link #run(String[], PrintWriter, PrintWriter)}, reading standard input from {@code in}.
   */
  public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
    WeftCli cli = new WeftCli();
    cli.stdin = in;
    CommandLine cl = new CommandLine(cli);
    addHelp(cl);
    cl.setOut(out);
    cl.setErr(err);
    int rc = cl.execute(args);
    out.flush();
    err.flush();
    return rc;
  }

  /**
   * Gives every subcommand that has no help option of its own {@code -h}/{@code --help}, which
   * prints its usage and exits 0. Commands that pass their arguments on unparsed (their own parser
   * answers {@code --help}) are left alone.
   */
  static void addHelp(CommandLine cl) {
    for (CommandLine sub : cl.getSubcommands().values()) {
      CommandSpec spec = sub.getCommandSpec();
      boolean passesArgsOn = !spec.unmatchedArgsBindings().isEmpty();
      if (!spec.optionsMap().containsKey("--help") && !passesArgsOn) {
        spec.addOption(
            OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help message and exit.")
                .build());
      }
      addHelp(sub);
    }
  }

  /**
   * Standard input (a test's stream under {@link #run(String[], InputStream, PrintWriter,
   * PrintWriter)}).
   */
  InputStream stdin() {
    return stdin;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** The build's version. */
  static String version() {
    String v = WeftCli.class.getPackage().getImplementationVersion();
    return "weft " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")";
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {version()};
    }
  }

  @Command(name = "version", description = "Print the version.")
  static final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(version());
      return 0;
    }
  }

  @Command(name = "genkey", description = "Print a new private key in base64, as `wg genkey` does.")
  static final class GenKey implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      NoisePrivateKey k = NoisePrivateKey.generate(new SecureRandom());
      spec.commandLine().getOut().println(k.toBase64());
      k.destroy();
      return 0;
    }
  }

  @Command(
      name = "pubkey",
      description =
          "Read a private key in base64 on standard input; print its public key, as `wg pubkey` does.")
  static final class PubKey implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      String line = in.readLine();
      NoisePrivateKey k;
      try {
        k = NoisePrivateKey.fromBase64(line == null ? "" : line);
      } catch (IllegalArgumentException e) {
        spec.commandLine().getErr().println("weft pubkey: stdin: " + e.getMessage());
        return 1;
      }
      spec.commandLine().getOut().println(k.publicKey().toBase64());
      k.destroy();
      return 0;
    }
  }

  @Command(
      name = "genpsk",
      description = "Print a new pre-shared key in base64, as `wg genpsk` does.")
  static final class GenPsk implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      NoisePresharedKey k = NoisePresharedKey.generate(new SecureRandom());
      spec.commandLine().getOut().println(k.toBase64());
      k.destroy();
      return 0;
    }
  }

  /**
   * The quickstart embeds the coordination server, which this jar does not carry: it is {@code
   * dist/target/weft-quickstart.jar}, which {@code ./weft quickstart} starts.
   */
  @Command(
      name = "quickstart",
      description =
          "Run the tour: a coordination server and two nodes in one process (./weft quickstart; it is in dist/target/weft-quickstart.jar).")
  static final class Quickstart implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine()
          .getErr()
          .println(
              "weft quickstart runs the coordination server too, which this jar (the node) does not carry.");
      spec.commandLine()
          .getErr()
          .println(
              "Run ./weft quickstart from the source tree, or java -jar dist/target/weft-quickstart.jar.");
      return 2;
    }
  }
}
