package io.weft.agent.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendState;
import io.weft.agent.cli.WeftCli;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two daemons in userspace mode and an embedded coordination server, driven only through the {@code
 * weft} CLI against their sockets, as a user would.
 */
class DaemonCliTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final Pattern PONG =
      Pattern.compile("pong from (\\S+) \\((\\S+)\\) via (\\S+) in (\\d+\\.\\d\\d)ms");

  @TempDir Path dir;
  ControlServer server;
  final List<Daemon> daemons = new ArrayList<>();

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void startServer() throws Exception {
    server =
        ControlServer.start(ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Daemon d : daemons) {
      d.close();
    }
    server.close();
  }

  Path daemon(String name) throws Exception {
    Path socket = dir.resolve(name + "/run/weftd.sock");
    Daemon d =
        new Daemon(
            dir.resolve(name + "/state"),
            socket,
            c -> c.withBackoff(Duration.ofMillis(20), Duration.ofMillis(500)));
    daemons.add(d);
    d.start();
    return socket;
  }

  static Run weft(Path socket, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--socket";
    all[1] = socket.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = WeftCli.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  static Run ok(Path socket, String... args) {
    Run r = weft(socket, args);
    assertThat(r.exit())
        .as("weft %s: out %s err %s", String.join(" ", args), r.out(), r.err())
        .isZero();
    return r;
  }

  static Backend.Status status(Path socket) throws Exception {
    return Backend.Status.fromJson(ok(socket, "status", "--json").out());
  }

  String up(Path socket, String name, String key) {
    return ok(
            socket,
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            key,
            "--hostname",
            name,
            "--tun=userspace",
            "--advertise",
            "127.0.0.1",
            "--timeout",
            "30s")
        .out();
  }

  String preAuthKey() {
    return server
        .admin()
        .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  /** Polls {@code weft status --json} until the node sees {@code peers} peers (bounded). */
  static Backend.Status awaitPeers(Path socket, int peers) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      Backend.Status s = status(socket);
      if (s.peers().size() == peers || System.nanoTime() > deadline) {
        assertThat(s.peers()).as("peers of %s", s.hostname()).hasSize(peers);
        return s;
      }
      LockSupport.parkNanos(20_000_000L);
    }
  }

  @Test
  void shouldJoinPingAndLeaveThroughTheCli() throws Exception {
    Path a = daemon("alpha");
    Path b = daemon("bravo");
    assertThat(Files.getPosixFilePermissions(a))
        .isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    assertThat(status(a).state()).isEqualTo(BackendState.NOT_LOGGED_IN);

    String key = preAuthKey();
    up(a, "alpha", key);
    up(b, "bravo", key);
    Backend.Status sa = awaitPeers(a, 1);
    Backend.Status sb = awaitPeers(b, 1);
    assertThat(sa.state()).isEqualTo(BackendState.RUNNING);
    assertThat(sa.addresses()).hasSize(2);
    assertThat(sa.peers().getFirst().name()).startsWith("bravo");
    assertThat(sa.peers().getFirst().addresses()).isEqualTo(sb.addresses());

    // weft ip: own addresses, a peer's, one family.
    List<String> ipA = ok(a, "ip").out().lines().toList();
    assertThat(ipA).hasSize(2);
    assertThat(sa.addresses().getFirst()).startsWith(ipA.getFirst() + "/");
    String bravoV4 = ok(a, "ip", "-4", "bravo").out().strip();
    assertThat(ok(b, "ip", "-4").out().strip()).isEqualTo(bravoV4);
    String bravoV6 = ok(a, "ip", "-6", "bravo").out().strip();
    assertThat(bravoV6).contains(":");
    assertThat(weft(a, "ip", "nobody-here").exit()).isEqualTo(1);

    // weft debug trace on bravo, answered from the rules its map brought (the server's default
    // allow-all until a policy is set).
    String alphaV4 = ok(b, "ip", "-4", "alpha").out().strip();
    assertThat(ok(b, "debug", "trace", alphaV4, bravoV4 + ":22/tcp").out())
        .startsWith("accepted by rule 0 (from * to *:0-65535)");
    assertThat(weft(b, "debug", "trace", alphaV4, bravoV4 + ":22/nonsense").exit()).isEqualTo(2);

    // weft ping by name and by address: a real echo through the tunnel, via bravo's endpoint.
    Run byName = ok(a, "ping", "-c", "2", "--interval", "10ms", "bravo");
    List<Matcher> pongs = byName.out().lines().map(PONG::matcher).filter(Matcher::matches).toList();
    assertThat(pongs).as(byName.out()).hasSize(2);
    assertThat(pongs.getFirst().group(2)).isEqualTo(bravoV4);
    String endpoint = status(a).peers().getFirst().endpoint();
    assertThat(endpoint).isNotNull().endsWith(":" + sb.listenPort());
    assertThat(pongs.getFirst().group(3)).isEqualTo(endpoint);
    Run byV6 = ok(a, "ping", "-c", "1", bravoV6);
    assertThat(byV6.out())
        .matches(
            "pong from \\S+ \\(" + Pattern.quote(bravoV6) + "\\) via \\S+ in \\d+\\.\\d\\dms\\R");
    Run byV4 = ok(b, "ping", "-c", "1", ok(a, "ip", "-4").out().strip());
    assertThat(byV4.out()).startsWith("pong from alpha");
    assertThat(status(a).peers().getFirst().rxBytes()).isPositive();
    Run unknown = weft(a, "ping", "-c", "1", "nobody-here");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no peer");

    // The human table has the peer's row.
    String table = ok(a, "status").out();
    assertThat(table).contains("RUNNING").contains("bravo").contains(bravoV4).contains(endpoint);

    // down: stopped, keys and login kept; bravo's pings to alpha go unanswered.
    String nodeKey = status(a).nodeKey();
    ok(a, "down");
    Backend.Status down = status(a);
    assertThat(down.state()).isEqualTo(BackendState.STOPPED);
    assertThat(down.peers()).isEmpty();
    Run lost = weft(b, "ping", "-c", "1", "--timeout", "300ms", "alpha");
    assertThat(lost.exit()).isEqualTo(1);
    assertThat(lost.out()).isEmpty();
    assertThat(lost.err()).contains("timeout waiting for alpha");

    // up again without a key (and without repeating the options) resumes as the same node.
    ok(a, "up", "--timeout", "30s");
    Backend.Status again = awaitPeers(a, 1);
    assertThat(again.state()).isEqualTo(BackendState.RUNNING);
    assertThat(again.nodeKey()).isEqualTo(nodeKey);
    assertThat(again.addresses()).isEqualTo(sa.addresses());
    // alpha's new device has no session yet: it starts the handshake (bravo's old session is stale
    // until its own timers notice, as in WireGuard), then both directions answer.
    assertThat(ok(a, "ping", "-c", "1", "bravo").out()).startsWith("pong from bravo");
    assertThat(ok(b, "ping", "-c", "1", "alpha").out()).startsWith("pong from alpha");

    // logout: NOT_LOGGED_IN, the node key forgotten; the next up needs a key again.
    ok(a, "logout");
    assertThat(status(a).state()).isEqualTo(BackendState.NOT_LOGGED_IN);
    assertThat(dir.resolve("alpha/state/node.key")).doesNotExist();
  }

  @Test
  void shouldAnswerMalformedRequestsAndKeepServing() throws Exception {
    Path a = daemon("alpha");
    try (LocalApiClient c = LocalApiClient.connect(a)) {
      for (String bad :
          List.of(
              "not json",
              "[1,2]",
              "{\"op\":42}",
              "{\"noop\":true}",
              "{\"op\":\"frobnicate\"}",
              "{\"op\":\"up\"}",
              "\u0000\u00ff{",
              "{\"op\":\"ping\",\"peer\":\"x\"}")) {
        JsonNode answer = c.callRaw(bad, e -> {});
        assertThat(answer.path("ok").asBoolean(true)).as(bad).isFalse();
        assertThat(answer.path("error").asText()).as(bad).isNotBlank();
      }
      // The same connection still answers a good request.
      JsonNode good = c.callRaw("{\"op\":\"status\"}", e -> {});
      assertThat(good.path("ok").asBoolean()).isTrue();
      assertThat(good.path("status").path("state").asText()).isEqualTo("NOT_LOGGED_IN");
    }
    try (LocalApiClient c = LocalApiClient.connect(a)) {
      JsonNode tooLong =
          c.callRaw("{\"op\":\"" + "x".repeat(LocalApiServer.MAX_LINE + 10) + "\"}", e -> {});
      assertThat(tooLong.path("error").asText()).contains("longer than");
    }
    assertThat(daemons.getFirst().server().malformed()).isGreaterThanOrEqualTo(5);
    // A new connection is served as before.
    assertThat(status(a).state()).isEqualTo(BackendState.NOT_LOGGED_IN);
    // A TUN that cannot be opened (an interface name the kernel refuses) fails up at once.
    Run badTun =
        weft(
            a,
            "up",
            "--login-server",
            server.url().toString(),
            "--auth-key",
            preAuthKey(),
            "--tun=kernel",
            "--tun-name",
            "name-far-too-long-for-linux",
            "--advertise",
            "127.0.0.1",
            "--timeout",
            "30s");
    assertThat(badTun.exit()).isEqualTo(1);
    assertThat(badTun.err()).contains("cannot open the TUN");
    assertThat(status(a).state()).isIn(BackendState.STOPPED, BackendState.NOT_LOGGED_IN);
    Run noDaemon = weft(dir.resolve("nothing.sock"), "status");
    assertThat(noDaemon.exit()).isEqualTo(1);
    assertThat(noDaemon.err()).contains("cannot reach the weft daemon");
  }
}
