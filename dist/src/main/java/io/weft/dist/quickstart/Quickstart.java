package io.weft.dist.quickstart;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code weft quickstart}: the main of {@code dist/target/weft-quickstart.jar}. */
@Command(
    name = "weft quickstart",
    mixinStandardHelpOptions = true,
    versionProvider = Quickstart.Version.class,
    description =
        "A tour of what Weft does today, run on this machine without root: the crypto primitives against"
            + " their known answers, then a coordination server (SQLite) and two userspace-mode nodes in this process"
            + " that join with a pre-auth key and carry an HTTP download across the WireGuard mesh."
            + " Exits 0 only when every step passed.")
public final class Quickstart implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--megabytes",
      paramLabel = "N",
      defaultValue = "8",
      description = "Size of the HTTP download (default ${DEFAULT-VALUE}).")
  int megabytes;

  @Option(
      names = "--step-timeout",
      paramLabel = "SECONDS",
      defaultValue = "20",
      description = "Longest wait for any one step (default ${DEFAULT-VALUE}).")
  double stepTimeoutSeconds;

  @Option(names = "--skip-crypto", description = "Skip the known-answer step.")
  boolean skipCrypto;

  @Option(
      names = "--temp-dir",
      paramLabel = "DIR",
      description =
          "Where the temporary state goes (default: java.io.tmpdir); it is deleted at the end.")
  Path tempDir;

  @Option(names = "--verbose", description = "Show the components' log lines on standard error.")
  boolean verbose;

  /** Runs the quickstart and exits with its status. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    if (!java.util.Arrays.asList(args).contains("--verbose")) {
      // The tour explains what happens; the components' info lines would only interleave with it.
      Logger.getLogger("").setLevel(Level.WARNING);
    }
    System.exit(run(args, out, err));
  }

  /** Runs with the given streams (for tests) and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Quickstart());
    cl.setOut(out);
    cl.setErr(err);
    int rc = cl.execute(args);
    out.flush();
    err.flush();
    return rc;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (megabytes < 1 || megabytes > 1024) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--megabytes must be between 1 and 1024");
    }
    if (!(stepTimeoutSeconds > 0) || stepTimeoutSeconds > 3600) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--step-timeout must be between 0 and 3600 seconds");
    }
    Path parent = tempDir != null ? tempDir : Path.of(System.getProperty("java.io.tmpdir"));
    out.println(version());
    out.println(
        "Weft quickstart: a tour of what works, on this machine, in this one process, without root.");
    Tour tour =
        new Tour(
            out,
            parent,
            megabytes << 20,
            Duration.ofNanos((long) (stepTimeoutSeconds * 1e9)),
            !skipCrypto);
    return tour.run() ? 0 : 1;
  }

  static String version() {
    String v = Quickstart.class.getPackage().getImplementationVersion();
    return "weft " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")";
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {version()};
    }
  }
}
