package io.weft.agent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.agent.daemon.LocalApiClient;
import io.weft.control.protocol.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code weft debug ...}: questions for the running node. */
@Command(
    name = "debug",
    description = "Ask the running node why.",
    subcommands = {DebugCommand.Trace.class})
final class DebugCommand {
  @ParentCommand WeftCli parent;

  /** {@code weft debug trace SRC DST:PORT/PROTO}. */
  @Command(
      name = "trace",
      description =
          "What this node's packet filter does with a new connection from SRC to DST:PORT/PROTO"
              + " (PROTO: tcp, udp, icmp or a number; IPv6 as [ADDR]:PORT/PROTO), in words.")
  static final class Trace implements Callable<Integer> {
    static final Pattern TARGET =
        Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([0-9.]+))(?::(\\d{1,5}))?/([A-Za-z0-9]+)");

    @ParentCommand DebugCommand debug;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC", description = "The source address (a peer's).")
    String src;

    @Parameters(
        index = "1",
        paramLabel = "DST:PORT/PROTO",
        description = "This node's address, port and protocol.")
    String target;

    /** Parsed target: address text, port, protocol number; null when malformed. */
    static Object[] parse(String target) {
      Matcher m = TARGET.matcher(target);
      if (!m.matches()) {
        return null;
      }
      String addr = m.group(1) != null ? m.group(1) : m.group(2);
      int port = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
      if (port > 65535) {
        return null;
      }
      boolean v6 = m.group(1) != null;
      int proto =
          switch (m.group(4).toLowerCase(Locale.ROOT)) {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> v6 ? 58 : 1;
            case "icmpv6" -> 58;
            default ->
                m.group(4).chars().allMatch(Character::isDigit) && m.group(4).length() <= 3
                    ? Integer.parseInt(m.group(4))
                    : -1;
          };
      if (proto < 0 || proto > 255) {
        return null;
      }
      return new Object[] {addr, port, proto};
    }

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        Object[] t = parse(target);
        if (t == null) {
          err.println(
              "weft debug trace: expected DST:PORT/PROTO (e.g. 100.64.0.1:22/tcp, [fd7a::1]:53/udp,"
                  + " 100.64.0.1/icmp), not "
                  + Printable.strip(target));
          return 2;
        }
        try {
          InetAddress.ofLiteral(src);
        } catch (IllegalArgumentException e) {
          err.println("weft debug trace: SRC must be an IP address, not " + Printable.strip(src));
          return 2;
        }
        try (LocalApiClient c =
            LocalApiClient.connect(LocalApiClient.socketPath(debug.parent.socket))) {
          JsonNode a =
              c.call(
                  LocalApiClient.request("trace")
                      .put("src", src)
                      .put("dst", (String) t[0])
                      .put("port", (int) t[1])
                      .put("proto", (int) t[2]),
                  e -> {});
          if (!a.path("ok").asBoolean(false)) {
            err.println("weft debug trace: " + Printable.strip(a.path("error").asText("failed")));
            return 1;
          }
          out.println(Printable.strip(a.path("trace").asText()));
          return 0;
        }
      } catch (IOException e) {
        err.println("weft debug trace: " + (e.getMessage() == null ? e : e.getMessage()));
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }
}
