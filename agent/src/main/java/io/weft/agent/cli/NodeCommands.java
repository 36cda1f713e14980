package io.weft.agent.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.agent.backend.Backend;
import io.weft.agent.daemon.Daemon;
import io.weft.agent.daemon.LocalApiClient;
import io.weft.agent.engine.Engine;
import io.weft.control.protocol.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** The node commands: {@code weft daemon} and the commands that talk to it over its local API. */
final class NodeCommands {
  private NodeCommands() {}

  /**
   * Parses {@code 60s}, {@code 500ms}, {@code 2m}, {@code 1h}, a bare number of seconds, or
   * ISO-8601.
   */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = SIMPLE.matcher(value.strip().toLowerCase(Locale.ROOT));
      if (m.matches()) {
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis =
            switch (unit) {
              case "ms" -> n;
              case "m" -> n * 60_000;
              case "h" -> n * 3_600_000;
              default -> n * 1000;
            };
        return Duration.ofMillis(Math.round(millis));
      }
      try {
        return Duration.parse(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "not a duration: '" + value + "' (e.g. 60s, 500ms, 2m)");
      }
    }
  }

  /** Shared by the client commands: the socket from {@code weft --socket}, and error reporting. */
  abstract static class ClientCommand implements Callable<Integer> {
    @ParentCommand WeftCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
      Path socket = LocalApiClient.socketPath(parent.socket);
      try (LocalApiClient c = LocalApiClient.connect(socket)) {
        return run(c);
      } catch (IOException e) {
        err().println("weft " + spec.name() + ": " + (e.getMessage() == null ? e : e.getMessage()));
        return 1;
      } finally {
        out().flush();
        err().flush();
      }
    }

    abstract int run(LocalApiClient c) throws IOException;

    /** Prints a failed answer's error; returns whether the answer was ok. */
    boolean ok(JsonNode answer) {
      if (answer.path("ok").asBoolean(false)) {
        return true;
      }
      err()
          .println(
              "weft "
                  + spec.name()
                  + ": "
                  + Printable.strip(answer.path("error").asText("failed")));
      return false;
    }

    Backend.Status status(LocalApiClient c) throws IOException {
      JsonNode a = c.call(LocalApiClient.request("status"), e -> {});
      if (!ok(a)) {
        throw new IOException("status failed");
      }
      return Backend.Status.fromJson(a.get("status").toString());
    }
  }

  @Command(
      name = "daemon",
      description =
          "Run the node daemon in the foreground (logs to stderr); other commands talk to it.")
  static final class DaemonCommand implements Callable<Integer> {
    @ParentCommand WeftCli parent;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--state-dir",
        description = "Where the node's keys live (default: ${DEFAULT-VALUE}).",
        defaultValue = "/var/lib/weft")
    Path stateDir;

    @Option(
        names = "--socket",
        description =
            "The local API socket (default: weft --socket, $WEFT_SOCKET, /var/run/weft/weftd.sock).")
    Path socket;

    @Override
    public Integer call() throws Exception {
      Path path = LocalApiClient.socketPath(socket != null ? socket : parent.socket);
      Daemon d = new Daemon(stateDir, path);
      try {
        d.start();
      } catch (IOException e) {
        spec.commandLine().getErr().println("weft daemon: " + e.getMessage());
        return 1;
      }
      // On SIGTERM/SIGINT: bring the node down (TUN and socket removed) and exit 0.
      Thread hook =
          new Thread(
              () -> {
                try {
                  d.close();
                } catch (IOException e) {
                  System.err.println("weft daemon: stopping: " + e.getMessage());
                }
                Runtime.getRuntime().halt(0);
              },
              "weft-daemon-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      // On both streams: whoever waits for it may be reading either the output or the log.
      spec.commandLine().getOut().println("weft daemon: listening on " + path);
      spec.commandLine().getOut().flush();
      spec.commandLine().getErr().println("weft daemon: listening on " + path);
      spec.commandLine().getErr().flush();
      d.awaitStopped();
      return 0;
    }
  }

  @Command(
      name = "up",
      description = "Join the mesh: log in (pre-auth key or interactive) and bring the node up.")
  static final class Up extends ClientCommand {
    @Option(
        names = "--login-server",
        description = "The coordination server URL (remembered for the next up).")
    String loginServer;

    @Option(
        names = "--auth-key",
        paramLabel = "KEY|file:PATH|-",
        description =
            "A pre-auth key: file:PATH reads it"
                + " from a file, - from standard input (either keeps it out of the process list); without one, prints a"
                + " login URL and waits.")
    String authKey;

    @Option(
        names = "--server-key",
        paramLabel = "KEY",
        description =
            "The coordination server's public key"
                + " (printed by `weft control serve` as \"server key\"): pinned at once, replacing an earlier pin; GET /key is never trusted.")
    String serverKey;

    @Option(
        names = "--ca-file",
        paramLabel = "PEM",
        description =
            "CA certificates an https:// login server's"
                + " certificate must chain to (default: the system trust store; remembered for the next up).")
    Path caFile;

    @Option(
        names = "--hostname",
        description = "This node's name (default: the machine's host name).")
    String hostname;

    @Option(
        names = "--tun",
        description = "kernel (a TUN interface; needs root) or userspace (no root).")
    String tun;

    @Option(names = "--tun-name", description = "The kernel interface name (default weft0).")
    String tunName;

    @Option(names = "--port", description = "WireGuard UDP listen port (0 = any).")
    Integer port;

    @Option(
        names = "--advertise",
        split = ",",
        description = "Endpoint addresses reported to the server.")
    List<String> advertise;

    @Option(
        names = "--socks5",
        paramLabel = "IP:PORT",
        description = "Userspace mode: a SOCKS5 proxy into the mesh" + " (e.g. 127.0.0.1:1055).")
    String socks5;

    @Option(
        names = "--http-proxy",
        paramLabel = "IP:PORT",
        description = "Userspace mode: an HTTP proxy into the mesh" + " (e.g. 127.0.0.1:1056).")
    String httpProxy;

    @Option(
        names = "--forward",
        paramLabel = "tcp|udp:PORT=IP:PORT",
        description =
            "Userspace mode: forward a port"
                + " of this node's mesh addresses to a host address (e.g. tcp:80=127.0.0.1:8080); repeatable.")
    List<String> forward;

    @Option(
        names = "--socks5-auth",
        paramLabel = "FILE",
        description =
            "SOCKS5 username/password (RFC 1929):"
                + " a file of user:password lines (the path is remembered, not the passwords).")
    Path socks5Auth;

    @Option(
        names = "--proxy-fallback",
        paramLabel = "refuse|direct",
        description =
            "Destinations outside the mesh:"
                + " refused (default; no DNS query leaves the host) or resolved and dialed directly by the host.")
    String proxyFallback;

    @Option(
        names = "--timeout",
        converter = DurationConverter.class,
        defaultValue = "60s",
        description = "How long to wait for RUNNING (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    int run(LocalApiClient c) throws IOException {
      ObjectNode r = LocalApiClient.request("up");
      if (socks5 != null) {
        r.put("socks5", socks5);
      }
      if (httpProxy != null) {
        r.put("httpProxy", httpProxy);
      }
      if (forward != null) {
        forward.forEach(r.putArray("forward")::add);
      }
      if (socks5Auth != null) {
        r.put("socks5Auth", socks5Auth.toAbsolutePath().toString());
      }
      if (proxyFallback != null) {
        r.put("proxyFallback", proxyFallback);
      }
      if (loginServer != null) {
        r.put("loginServer", loginServer);
      }
      if (authKey != null) {
        String key;
        try {
          key = AuthKeySource.read(authKey, parent.stdin());
        } catch (IOException e) {
          err().println("weft up: --auth-key: " + e.getMessage());
          return 2;
        }
        r.put("authKey", key);
      }
      if (serverKey != null) {
        r.put("serverKey", serverKey);
      }
      if (caFile != null) {
        r.put("caFile", caFile.toAbsolutePath().toString());
      }
      if (hostname != null) {
        r.put("hostname", hostname);
      }
      if (tun != null) {
        if (!tun.equals("kernel") && !tun.equals("userspace")) {
          err().println("weft up: --tun must be kernel or userspace");
          return 2;
        }
        r.put("tun", tun);
      }
      if (tunName != null) {
        r.put("tunName", tunName);
      }
      if (port != null) {
        r.put("port", port);
      }
      if (advertise != null) {
        ArrayNode a = r.putArray("advertise");
        advertise.forEach(a::add);
      }
      r.put("timeoutMillis", timeout.toMillis());
      JsonNode answer =
          c.call(
              r,
              e -> {
                if (e.path("event").asText().equals("login")) {
                  out()
                      .print(
                          "To authenticate, visit:\n\n\t"
                              + Printable.strip(e.path("url").asText())
                              + "\n\n");
                  out().flush();
                }
              });
      return ok(answer) ? 0 : 1;
    }
  }

  @Command(
      name = "status",
      description = "Show this node and its peers (exit 0 even when not running).")
  static final class Status extends ClientCommand {
    @Option(names = "--json", description = "Print the status as JSON.")
    boolean json;

    @Override
    int run(LocalApiClient c) throws IOException {
      Backend.Status s = status(c);
      out().print(json ? s.toJson() + "\n" : StatusPrinter.format(s));
      return 0;
    }
  }

  @Command(name = "ip", description = "Print this node's mesh addresses (or PEER's), one per line.")
  static final class Ip extends ClientCommand {
    @Option(names = "-4", description = "IPv4 only.")
    boolean v4;

    @Option(names = "-6", description = "IPv6 only.")
    boolean v6;

    @Parameters(arity = "0..1", paramLabel = "PEER", description = "A peer's name or mesh address.")
    String peer;

    @Override
    int run(LocalApiClient c) throws IOException {
      Backend.Status s = status(c);
      List<String> prefixes = null;
      if (peer == null) {
        prefixes = s.addresses();
      } else {
        for (Backend.PeerStatus p : s.peers()) {
          String name = p.name() == null ? "" : p.name();
          int dot = name.indexOf('.');
          boolean byName =
              peer.equalsIgnoreCase(name)
                  || (dot > 0 && peer.equalsIgnoreCase(name.substring(0, dot)));
          boolean byIp =
              Engine.hosts(p.addresses()).stream()
                  .anyMatch(a -> Engine.text(a).equals(peer) || sameAddress(a, peer));
          if (byName || byIp) {
            prefixes = p.addresses();
            break;
          }
        }
        if (prefixes == null) {
          err().println("weft ip: no peer named or addressed \"" + Printable.strip(peer) + "\"");
          return 1;
        }
      }
      List<InetAddress> hosts = new ArrayList<>(Engine.hosts(prefixes));
      if (hosts.isEmpty()) {
        err().println("weft ip: no addresses (state " + s.state() + ")");
        return 1;
      }
      for (InetAddress a : hosts) {
        if ((v4 && !(a instanceof Inet4Address)) || (v6 && !(a instanceof Inet6Address))) {
          continue;
        }
        out().println(Engine.text(a));
      }
      return 0;
    }

    private static boolean sameAddress(InetAddress a, String text) {
      try {
        return a.equals(InetAddress.ofLiteral(text));
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }

  @Command(name = "ping", description = "ICMP echo to PEER through the WireGuard tunnel.")
  static final class Ping extends ClientCommand {
    @Option(
        names = "-c",
        description = "How many echo requests (default ${DEFAULT-VALUE}).",
        defaultValue = "4")
    int count;

    @Option(
        names = "--timeout",
        converter = DurationConverter.class,
        defaultValue = "5s",
        description = "How long to wait for each reply (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
        names = "--interval",
        converter = DurationConverter.class,
        defaultValue = "1s",
        description = "Time between requests (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Parameters(paramLabel = "PEER", description = "A peer's name or mesh address.")
    String peer;

    @Override
    int run(LocalApiClient c) throws IOException {
      if (count < 1) {
        err().println("weft ping: -c must be at least 1");
        return 2;
      }
      ObjectNode r =
          LocalApiClient.request("ping")
              .put("peer", peer)
              .put("count", count)
              .put("timeoutMillis", timeout.toMillis())
              .put("intervalMillis", interval.toMillis());
      JsonNode answer =
          c.call(
              r,
              e -> {
                String ip = Printable.strip(e.path("ip").asText());
                String name = Printable.strip(e.path("name").asText());
                if (e.path("event").asText().equals("pong")) {
                  out()
                      .printf(
                          Locale.ROOT,
                          "pong from %s (%s) via %s in %.2fms%n",
                          name,
                          ip,
                          Printable.strip(e.path("endpoint").asText("?")),
                          e.path("rttNanos").asLong() / 1e6);
                  out().flush();
                } else {
                  // Only replies go to standard output (one line each); timeouts are diagnostics.
                  err()
                      .printf(
                          Locale.ROOT,
                          "timeout waiting for %s (%s) after %dms%n",
                          name,
                          ip,
                          e.path("timeoutMillis").asLong());
                  err().flush();
                }
              });
      if (!ok(answer)) {
        return 1;
      }
      return answer.path("received").asInt() > 0 ? 0 : 1;
    }
  }

  @Command(
      name = "down",
      description = "Stop the node (peers and TUN removed); keys and login are kept.")
  static final class Down extends ClientCommand {
    @Override
    int run(LocalApiClient c) throws IOException {
      return ok(c.call(LocalApiClient.request("down"), e -> {})) ? 0 : 1;
    }
  }

  @Command(name = "logout", description = "Log out at the server and forget the node key.")
  static final class Logout extends ClientCommand {
    @Override
    int run(LocalApiClient c) throws IOException {
      JsonNode a = c.call(LocalApiClient.request("logout"), e -> {});
      if (!ok(a)) {
        return 1;
      }
      if (a.hasNonNull("note")) {
        err().println("weft logout: " + Printable.strip(a.get("note").asText()));
      }
      return 0;
    }
  }
}
