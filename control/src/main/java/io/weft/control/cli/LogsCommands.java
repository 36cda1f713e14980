package io.weft.control.cli;

import io.weft.control.flowlogs.FlowLogVerifier;
import io.weft.control.flowlogs.FlowLogs;
import io.weft.control.server.ControlConfig;
import io.weft.control.store.Database;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft control logs}: the flow logs (issue 18) the server collected, read straight from its
 * database (SQLite in the data directory, or {@code --db}): {@code export} as JSON lines by node
 * and time, {@code verify} the chains and the pairing of both ends, {@code prune} by age.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Flow logs: export, verify, prune.",
    subcommands = {LogsCommands.Export.class, LogsCommands.Verify.class, LogsCommands.Prune.class})
final class LogsCommands implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return ControlCli.EXIT_USAGE;
  }

  /** Where the database is. */
  static final class Store {
    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "The server's data directory (default ~/.weft-control).")
    Path dataDir;

    @Option(
        names = "--db",
        paramLabel = "JDBC-URL",
        description = "The server's database, if not SQLite in the data dir.")
    String dbUrl;

    @Option(names = "--db-user", paramLabel = "USER", description = "Database user.")
    String dbUser;

    @Option(
        names = "--db-password-file",
        paramLabel = "FILE",
        description = "File holding the database password.")
    Path dbPasswordFile;

    Database open() throws IOException, SQLException {
      String url =
          dbUrl != null
              ? dbUrl
              : ControlConfig.defaults(dataDir != null ? dataDir : ServeCommand.defaultDataDir())
                  .jdbcUrl();
      String password = dbPasswordFile == null ? null : Files.readString(dbPasswordFile).strip();
      return Database.open(url, dbUser, password);
    }
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Print stored records as JSON lines.")
  static final class Export implements Callable<Integer> {
    @CommandLine.Mixin Store store = new Store();

    @Option(names = "--node", paramLabel = "ID", description = "Only this node's records.")
    Long node;

    @Option(
        names = "--since",
        paramLabel = "INSTANT",
        description = "Flows active at or after (ISO-8601 instant).")
    Instant since;

    @Option(
        names = "--until",
        paramLabel = "INSTANT",
        description = "Flows active at or before (ISO-8601 instant).")
    Instant until;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (Database db = store.open()) {
        Writer out = spec.commandLine().getOut();
        new FlowLogs(db, Clock.systemUTC())
            .export(
                node,
                since == null ? Long.MIN_VALUE : since.toEpochMilli(),
                until == null ? Long.MAX_VALUE : until.toEpochMilli(),
                out);
        return ControlCli.EXIT_OK;
      }
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check every node's hash chain and sequence numbers, and pair both ends of each flow.")
  static final class Verify implements Callable<Integer> {
    @CommandLine.Mixin Store store = new Store();

    @Option(
        names = "--slack-packets",
        defaultValue = "8",
        description = "Packets two ends may disagree by (in flight; default ${DEFAULT-VALUE}).")
    long slackPackets;

    @Option(
        names = "--slack-fraction",
        defaultValue = "0.01",
        description = "Fraction two ends may disagree by (default ${DEFAULT-VALUE}).")
    double slackFraction;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (Database db = store.open()) {
        FlowLogVerifier.Report r =
            new FlowLogs(db, Clock.systemUTC()).verify(slackPackets, slackFraction);
        PrintWriter out = spec.commandLine().getOut();
        out.print(r.toText());
        out.flush();
        return r.ok() ? ControlCli.EXIT_OK : ControlCli.EXIT_FAILED;
      }
    }
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description = "Delete records older than an age.")
  static final class Prune implements Callable<Integer> {
    @CommandLine.Mixin Store store = new Store();

    @Option(
        names = "--older-than",
        required = true,
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description = "Age past which records go (e.g. 30d, 12h).")
    Duration olderThan;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (Database db = store.open()) {
        int n = new FlowLogs(db, Clock.systemUTC()).retain(olderThan);
        spec.commandLine().getOut().println("deleted " + n + " flow records");
        spec.commandLine().getOut().flush();
        return ControlCli.EXIT_OK;
      }
    }
  }
}
