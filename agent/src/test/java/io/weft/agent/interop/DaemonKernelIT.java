package io.weft.agent.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendState;
import io.weft.agent.cli.WeftCli;
import io.weft.testing.Await;
import io.weft.testing.Prerequisites;
import io.weft.testing.netns.NetworkNamespace;
import io.weft.testing.netns.TestNet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft daemon} as a process in a network namespace: kernel mode puts the node's addresses
 * and the mesh routes on a TUN and removes it on down and on SIGTERM; ping works through it both
 * ways; and a caller of another user is turned away by the socket.
 *
 * <p>The coordination server runs as a process in the namespace ({@code ip netns exec}), not in
 * this JVM: threads it started from a thread inside the namespace would stay there for good, and
 * virtual threads of later tests mounted on them would open their sockets in a deleted namespace.
 */
class DaemonKernelIT {
  @TempDir Path tmp;
  TestNet net;
  static final String CONTROL_URL = "http://127.0.0.1:8080";
  String ns;
  Process control;
  Path controlDir;
  Path run;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("ip", "setpriv", "ping");
    net = new TestNet(tmp);
    // Everything under tmp must be reachable by the unprivileged user of the refusal test.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    run = tmp.resolve("run");
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (net != null) {
        net.close(); // daemons and the server first (by PID), then namespaces
      }
    } finally {
      // No thread of this JVM may stay in a test namespace: a virtual thread mounted on such a
      // carrier would open its sockets there, and later tests in the JVM fail to reach 127.0.0.1.
      assertThat(NetworkNamespace.threadsOutsideTheJvmNamespace())
          .as("threads left in a test namespace")
          .isEmpty();
    }
  }

  /**
   * A namespace with loopback up and a coordination server (a {@code weft-control} process)
   * listening inside it.
   */
  void namespaceWithServer() throws Exception {
    ns = net.namespace("wd");
    controlDir = tmp.resolve("control");
    control =
        net.start(
            "control.log",
            Map.of(),
            "ip",
            "netns",
            "exec",
            ns,
            WeftWgLifecycleIT.java(),
            "-Xmx256m",
            "-jar",
            controlJar().toString(),
            "serve",
            "--listen",
            "127.0.0.1:8080",
            "--data-dir",
            controlDir.toString());
    Process p = control;
    await(
        "the coordination server listens; log: " + net.log("control.log"),
        () -> net.log("control.log").contains("weft control: listening on") || !p.isAlive());
    assertThat(p.isAlive())
        .as("coordination server running; log:%n%s", net.log("control.log"))
        .isTrue();
  }

  /** A new reusable pre-auth key of domain mesh, made with the server's admin CLI. */
  String authKey() throws Exception {
    TestNet.Result r =
        net.tryRun(
            "ip",
            "netns",
            "exec",
            ns,
            WeftWgLifecycleIT.java(),
            "-jar",
            controlJar().toString(),
            "authkey",
            "create",
            "--domain",
            "mesh",
            "--reusable",
            "--expiry",
            "1h",
            "--server",
            CONTROL_URL,
            "--token-file",
            controlDir.resolve("admin.token").toString());
    assertThat(r.exit()).as("weft-control authkey create: %s", r.output()).isZero();
    return r.output()
        .lines()
        .map(String::strip)
        .filter(l -> l.startsWith("weft-auth-"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no key in: " + r.output()));
  }

  static Path controlJar() {
    Path jar =
        WireGuardGoInteropIT.weftJar()
            .getParent()
            .getParent()
            .getParent()
            .resolve("control/target/weft-control.jar")
            .normalize();
    assertThat(jar).as("the coordination server's jar (built in control's package phase)").exists();
    return jar;
  }

  Process daemon(String name, String namespace) throws Exception {
    Path socket = run.resolve(name + ".sock");
    List<String> cmd = new java.util.ArrayList<>();
    if (namespace != null) {
      cmd.addAll(List.of("ip", "netns", "exec", namespace));
    }
    cmd.addAll(
        List.of(
            WeftWgLifecycleIT.java(),
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            WireGuardGoInteropIT.weftJar().toString(),
            "io.weft.agent.cli.WeftCli",
            "daemon",
            "--state-dir",
            tmp.resolve(name).toString(),
            "--socket",
            socket.toString()));
    Process p = net.start(name + ".log", Map.of(), cmd.toArray(String[]::new));
    await(
        "socket of " + name + "; log: " + net.log(name + ".log"),
        () -> Files.exists(socket) || !p.isAlive());
    assertThat(p.isAlive()).as("daemon %s: %s", name, net.log(name + ".log")).isTrue();
    await(
        "listening line",
        () -> net.log(name + ".log").contains("weft daemon: listening on " + socket));
    return p;
  }

  Run weft(String name, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--socket";
    all[1] = run.resolve(name + ".sock").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = WeftCli.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Run(rc, out.toString(), err.toString());
  }

  Run ok(String name, String... args) {
    Run r = weft(name, args);
    assertThat(r.exit())
        .as(
            "weft %s %s: %s %s; daemon log:%n%s",
            name, String.join(" ", args), r.out(), r.err(), net.log(name + ".log"))
        .isZero();
    return r;
  }

  Backend.Status status(String name) throws Exception {
    return Backend.Status.fromJson(ok(name, "status", "--json").out());
  }

  static void await(String what, BooleanSupplier condition) {
    Await.until(what, Duration.ofSeconds(60), condition);
  }

  String up(String name, String key, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "up",
                "--login-server",
                CONTROL_URL,
                "--auth-key",
                key,
                "--hostname",
                name,
                "--advertise",
                "127.0.0.1",
                "--timeout",
                "60s"));
    args.addAll(List.of(more));
    return ok(name, args.toArray(String[]::new)).out();
  }

  @Test
  void shouldPutAddressesAndRoutesOnTheTunPingThroughItAndRemoveIt() throws Exception {
    namespaceWithServer();
    String tun = "wk" + net.id;
    Process kernel = daemon("kern", ns);
    daemon("user", ns);
    String key = authKey();
    up("kern", key, "--tun=kernel", "--tun-name", tun);
    up("user", key, "--tun=userspace");
    Backend.Status k = status("kern");
    assertThat(k.state()).isEqualTo(BackendState.RUNNING);
    String v4 = k.addresses().get(0);
    String v6 = k.addresses().get(1);
    assertThat(v4).endsWith("/32");
    assertThat(v6).endsWith("/128");

    String addr = net.run("ip", "-n", ns, "addr", "show", "dev", tun);
    assertThat(addr)
        .contains("mtu 1280")
        .contains("inet " + v4)
        .contains("inet6 " + v6)
        .contains("UP");
    assertThat(net.run("ip", "-n", ns, "route", "show", "dev", tun)).contains("100.64.0.0/10");
    assertThat(net.run("ip", "-n", ns, "-6", "route", "show", "dev", tun))
        .contains("fd7a:115c:a1e0::/48");

    await(
        "peers",
        () -> {
          try {
            return status("kern").peers().size() == 1 && status("user").peers().size() == 1;
          } catch (Exception e) {
            return false;
          }
        });
    String userV4 = ok("kern", "ip", "-4", "user").out().strip();
    // The kernel's own ping reaches the userspace node through the TUN and the tunnel.
    assertThat(net.tryRun("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "10", userV4).exit())
        .isZero();
    // weft ping from the kernel node (injected past the kernel) and to it (answered by the kernel).
    assertThat(ok("kern", "ping", "-c", "2", "--interval", "50ms", "user").out())
        .containsPattern(
            "pong from user\\S* \\("
                + userV4.replace(".", "\\.")
                + "\\) via 127\\.0\\.0\\.1:\\d+ in \\d+\\.\\d\\dms");
    assertThat(ok("user", "ping", "-c", "1", "kern").out()).startsWith("pong from kern");
    String kernV6 = v6.substring(0, v6.indexOf('/'));
    assertThat(ok("user", "ping", "-c", "1", kernV6).out())
        .startsWith("pong from kern (" + kernV6 + ")");
    assertThat(ok("kern", "ping", "-c", "1", ok("kern", "ip", "-6", "user").out().strip()).out())
        .startsWith("pong from user");

    ok("kern", "down");
    assertThat(status("kern").state()).isEqualTo(BackendState.STOPPED);
    assertThat(net.tryRun("ip", "-n", ns, "link", "show", tun).exit())
        .as("TUN removed on down")
        .isNotZero();

    ok("kern", "up", "--timeout", "60s");
    assertThat(net.run("ip", "-n", ns, "addr", "show", "dev", tun)).contains("inet " + v4);

    kernel.destroy(); // SIGTERM
    assertThat(kernel.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(kernel.exitValue())
        .as("exit status on SIGTERM; log:%n%s", net.log("kern.log"))
        .isZero();
    assertThat(run.resolve("kern.sock")).doesNotExist();
    assertThat(net.tryRun("ip", "-n", ns, "link", "show", tun).exit())
        .as("TUN removed on SIGTERM")
        .isNotZero();
  }

  @Test
  void shouldRefuseACallerOfAnotherUser() throws Exception {
    Files.createDirectories(run);
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    daemon("solo", null);
    Path socket = run.resolve("solo.sock");
    String[] asNobody = {
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      WeftWgLifecycleIT.java(),
      "-cp",
      WireGuardGoInteropIT.weftJar().toString(),
      "io.weft.agent.cli.WeftCli",
      "--socket",
      socket.toString(),
      "status"
    };

    // Mode 0660: the file system already keeps other users out.
    TestNet.Result denied = net.tryRun(asNobody);
    assertThat(denied.exit()).as(denied.output()).isEqualTo(1);
    assertThat(denied.output()).contains("cannot reach the weft daemon");

    // Even with the socket opened to everyone, the daemon checks the caller's credentials.
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    TestNet.Result refused = net.tryRun(asNobody);
    assertThat(refused.exit()).as(refused.output()).isEqualTo(1);
    assertThat(refused.output()).contains("permission denied").contains("nobody");
    await(
        "refusal logged",
        () -> net.log("solo.log").contains("refused a connection from user nobody"));

    // Root is still served.
    assertThat(status("solo").state()).isEqualTo(BackendState.NOT_LOGGED_IN);
  }
}
