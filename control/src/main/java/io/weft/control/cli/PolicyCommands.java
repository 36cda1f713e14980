package io.weft.control.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft control policy get|set|test|history}: the domain's policy file, versioned. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "The policy file (Tailscale's syntax): get, set, test, history, check.",
    subcommands = {
      PolicyCommands.Get.class,
      PolicyCommands.Set.class,
      PolicyCommands.Test.class,
      PolicyCommands.History.class,
      PolicyCommands.Check.class
    })
final class PolicyCommands implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return ControlCli.EXIT_USAGE;
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Print the current policy file.")
  static final class Get implements Callable<Integer> {
    @Mixin AdminCommands.Target target;

    @Option(
        names = "--domain",
        defaultValue = "default",
        description = "Domain (default ${DEFAULT-VALUE}).")
    String domain;

    @Override
    public Integer call() throws AdminClient.Failure {
      JsonNode p = target.client().get("/admin/v1/policy?domain=" + domain);
      target.out().print(p.path("text").asText());
      return ControlCli.EXIT_OK;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Set the policy from FILE: refused, and the old one kept, if it is invalid or its tests fail.")
  static final class Set implements Callable<Integer> {
    @Mixin AdminCommands.Target target;

    @Option(
        names = "--domain",
        defaultValue = "default",
        description = "Domain (default ${DEFAULT-VALUE}).")
    String domain;

    @Option(names = "--author", description = "Recorded in the history (default: $USER).")
    String author;

    @Parameters(paramLabel = "FILE", description = "The policy file (HuJSON).")
    Path file;

    @Override
    public Integer call() throws AdminClient.Failure {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("domain", domain);
      body.put("text", read(file));
      body.put("author", author != null ? author : System.getProperty("user.name", "admin"));
      JsonNode r = target.client().post("/admin/v1/policy", body);
      target
          .out()
          .println("policy version " + r.path("version").asInt() + " set for domain " + domain);
      return ControlCli.EXIT_OK;
    }
  }

  @Command(
      name = "test",
      mixinStandardHelpOptions = true,
      description = "Check FILE and run its tests on the server without setting it.")
  static final class Test implements Callable<Integer> {
    @Mixin AdminCommands.Target target;

    @Parameters(paramLabel = "FILE", description = "The policy file (HuJSON).")
    Path file;

    @Override
    public Integer call() throws AdminClient.Failure {
      JsonNode r = target.client().post("/admin/v1/policy/test", Map.of("text", read(file)));
      PrintWriter out = target.out();
      if (r.path("ok").asBoolean()) {
        out.println(file + ": ok");
        return ControlCli.EXIT_OK;
      }
      for (JsonNode e : r.path("errors")) {
        out.println(
            file
                + ":"
                + e.path("line").asInt()
                + ":"
                + e.path("column").asInt()
                + ": "
                + e.path("message").asText());
      }
      return ControlCli.EXIT_REFUSED;
    }
  }

  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "List the policy's versions.")
  static final class History implements Callable<Integer> {
    @Mixin AdminCommands.Target target;

    @Option(
        names = "--domain",
        defaultValue = "default",
        description = "Domain (default ${DEFAULT-VALUE}).")
    String domain;

    @Override
    public Integer call() throws AdminClient.Failure {
      PrintWriter out = target.out();
      out.printf("%-8s %-24s %s%n", "VERSION", "SET AT (UTC)", "AUTHOR");
      for (JsonNode v : target.client().get("/admin/v1/policy/history?domain=" + domain)) {
        out.printf(
            "%-8d %-24s %s%n",
            v.path("version").asInt(),
            Instant.ofEpochMilli(v.path("createdAt").asLong()),
            v.path("author").asText());
      }
      return ControlCli.EXIT_OK;
    }
  }

  @Command(
      name = "check",
      mixinStandardHelpOptions = true,
      description =
          "Would the current policy accept SRC -> DST:PORT[/PROTO]? Says which rule, or why not.")
  static final class Check implements Callable<Integer> {
    @Mixin AdminCommands.Target target;

    @Option(
        names = "--domain",
        defaultValue = "default",
        description = "Domain (default ${DEFAULT-VALUE}).")
    String domain;

    @Parameters(index = "0", paramLabel = "SRC", description = "Source node: name, id or address.")
    String src;

    @Parameters(
        index = "1",
        paramLabel = "DST:PORT[/PROTO]",
        description = "Destination node and port, like web:443/tcp.")
    String dst;

    @Override
    public Integer call() throws AdminClient.Failure {
      JsonNode r =
          target
              .client()
              .post("/admin/v1/policy/check", Map.of("domain", domain, "src", src, "dst", dst));
      boolean accepted = r.path("accepted").asBoolean();
      target.out().println((accepted ? "accept: " : "deny: ") + r.path("reason").asText());
      return accepted ? ControlCli.EXIT_OK : ControlCli.EXIT_REFUSED;
    }
  }

  private static String read(Path file) throws AdminClient.Failure {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AdminClient.Failure(
          ControlCli.EXIT_USAGE, "cannot read " + file + ": " + e.getMessage());
    }
  }
}
