package io.weft.control.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code weft control} command line.
 *
 * <p>Exit codes: {@value #EXIT_OK} success, {@value #EXIT_REFUSED} the server refused the request
 * (its reason is printed), {@value #EXIT_USAGE} bad usage, {@value #EXIT_UNREACHABLE} the server
 * could not be reached, {@value #EXIT_AUTH} the admin token is missing or wrong, {@value
 * #EXIT_FAILED} the server could not start or failed.
 */
@Command(
    name = "weft control",
    mixinStandardHelpOptions = true,
    versionProvider = ControlCli.Version.class,
    description = "Run a Weft coordination server, or administer a running one.",
    subcommands = {
      ServeCommand.class,
      AdminCommands.Users.class,
      AdminCommands.Nodes.class,
      AdminCommands.Approve.class,
      AdminCommands.Expire.class,
      AdminCommands.Rename.class,
      AdminCommands.Delete.class,
      AdminCommands.AuthKey.class,
      PolicyCommands.class,
      LogsCommands.class,
      CommandLine.HelpCommand.class
    })
public final class ControlCli implements Callable<Integer> {
  public static final int EXIT_OK = 0;
  public static final int EXIT_REFUSED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_UNREACHABLE = 3;
  public static final int EXIT_AUTH = 4;
  public static final int EXIT_FAILED = 5;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

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
    CommandLine cl = new CommandLine(new ControlCli());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExitCodeExceptionMapper(ControlCli::exitCode);
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr().println("weft control: " + message(e));
          cmd.getErr().flush();
          return exitCode(e);
        });
    int rc = cl.execute(args);
    out.flush();
    err.flush();
    return rc;
  }

  private static int exitCode(Throwable e) {
    if (e instanceof AdminClient.Failure f) {
      return f.exitCode();
    }
    if (e instanceof CommandLine.ParameterException) {
      return EXIT_USAGE;
    }
    return EXIT_FAILED;
  }

  private static String message(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return EXIT_OK;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ControlCli.class.getPackage().getImplementationVersion();
      return new String[] {
        "weft control " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"
      };
    }
  }
}
