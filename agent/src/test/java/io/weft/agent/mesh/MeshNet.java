package io.weft.agent.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.backend.Backend;
import io.weft.testing.Await;
import io.weft.testing.netns.TestNet;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A Weft mesh on one machine: a bridge in a namespace of its own (where the coordination server
 * runs, as a separate {@code weft-control} process with SQLite in a temporary directory) and one
 * namespace per node, joined to the bridge by a veth pair. Each node runs {@code weft daemon} in
 * its namespace and is driven by the {@code weft} CLI, both from {@code agent/target/weft.jar}.
 *
 * <p>Everything (processes by PID, then namespaces) is removed on {@link #close()}, also after a
 * failure. Traffic stays on the bridge and the nodes' tunnels.
 */
final class MeshNet implements AutoCloseable {
  /** The underlay: 10.231.0.0/24 on the bridge; the server at .1, node i at .(10+i). */
  static final String UNDERLAY = "10.231.0.";

  static final String CONTROL_IP = UNDERLAY + "1";
  static final int CONTROL_PORT = 8080;
  static final String CONTROL_URL = "http://" + CONTROL_IP + ":" + CONTROL_PORT;

  /**
   * The admin API from inside the server's namespace: the admin CLI sends its token in clear only
   * to loopback (the server listens on every address of its namespace for that).
   */
  static final String ADMIN_URL = "http://127.0.0.1:" + CONTROL_PORT;

  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

  final TestNet net;
  private final Path dir;
  private final Path controlDir;
  private final List<Node> nodes = new ArrayList<>();
  private final AtomicInteger logs = new AtomicInteger();
  private String bridgeNs;
  private Process control;

  MeshNet(Path dir) {
    this.dir = dir;
    this.net = new TestNet(dir);
    this.controlDir = dir.resolve("control");
  }

  /** What a command printed, stdout and stderr apart (stdout may be JSON). */
  record Output(int exit, String stdout, String stderr) {
    String both() {
      return stdout + stderr;
    }
  }

  // ---- the underlay and the coordination server ----

  /** Creates the bridge namespace and the bridge with the server's address. */
  void createBridge() throws Exception {
    bridgeNs = net.namespace("wmb");
    net.run("ip", "-n", bridgeNs, "link", "add", "br0", "type", "bridge");
    net.run("ip", "-n", bridgeNs, "addr", "add", CONTROL_IP + "/24", "dev", "br0");
    net.run("ip", "-n", bridgeNs, "link", "set", "br0", "up");
  }

  /**
   * Starts the coordination server (again, after a kill: same data directory) and waits until it
   * listens.
   */
  void startControl() throws Exception {
    String log = "control-" + logs.incrementAndGet() + ".log";
    control =
        start(
            log,
            "ip",
            "netns",
            "exec",
            bridgeNs,
            java(),
            "-Xmx256m",
            "-jar",
            controlJar().toString(),
            "serve",
            "--listen",
            "0.0.0.0:" + CONTROL_PORT,
            "--data-dir",
            controlDir.toString());
    Process p = control;
    await(
        "the coordination server listens (log " + log + ")",
        Duration.ofSeconds(60),
        () -> net.log(log).contains("weft control: listening on") || !p.isAlive());
    assertThat(p.isAlive()).as("coordination server running; log:%n%s", net.log(log)).isTrue();
  }

  /** Kills the coordination server (SIGKILL: no clean shutdown) and waits for it to be gone. */
  void killControl() throws InterruptedException {
    control.destroyForcibly();
    assertThat(control.waitFor(10, TimeUnit.SECONDS)).as("coordination server killed").isTrue();
  }

  /**
   * Runs {@code weft control ARGS} against the server (the admin token from its data directory).
   */
  Output admin(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of("ip", "netns", "exec", bridgeNs, java(), "-jar", controlJar().toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(
        List.of(
            "--server", ADMIN_URL, "--token-file", controlDir.resolve("admin.token").toString()));
    Output o = exec(cmd);
    assertThat(o.exit()).as("weft control %s:%n%s", String.join(" ", args), o.both()).isZero();
    return o;
  }

  /** A new reusable, pre-approved pre-auth key. */
  String authKey() throws Exception {
    return admin("authkey", "create", "--reusable", "--preapproved", "--expiry", "1h")
        .stdout()
        .lines()
        .findFirst()
        .orElseThrow()
        .strip();
  }

  // ---- nodes ----

  /** Creates node {@code name}'s namespace on the bridge (its daemon is not started yet). */
  Node addNode(String name) throws Exception {
    int i = nodes.size() + 1;
    String ns = net.namespace("wm" + i);
    String inNode = "wm" + net.id + "n" + i;
    String onBridge = "wm" + net.id + "p" + i;
    net.run(
        "ip", "link", "add", inNode, "netns", ns, "type", "veth", "peer", "name", onBridge, "netns",
        bridgeNs);
    net.run("ip", "-n", bridgeNs, "link", "set", onBridge, "master", "br0");
    net.run("ip", "-n", bridgeNs, "link", "set", onBridge, "up");
    String underlay = UNDERLAY + (10 + i);
    net.run("ip", "-n", ns, "addr", "add", underlay + "/24", "dev", inNode);
    net.run("ip", "-n", ns, "link", "set", inNode, "up");
    Node n =
        new Node(name, ns, underlay, dir.resolve(name + "-state"), dir.resolve(name + ".sock"));
    nodes.add(n);
    return n;
  }

  /**
   * The daemons' java.util.logging set-up: the agent and the device at DEBUG (map changes, failed
   * handshakes and sends; nothing per packet), one line per record.
   */
  private synchronized Path loggingConfig() throws IOException {
    Path p = dir.resolve("daemon-logging.properties");
    if (!Files.exists(p)) {
      Files.writeString(
          p,
          """
          handlers=java.util.logging.ConsoleHandler
          java.util.logging.ConsoleHandler.level=ALL
          java.util.logging.SimpleFormatter.format=%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n
          .level=INFO
          io.weft.agent.level=FINE
          weft.device.level=FINE
          """);
    }
    return p;
  }

  /** Starts a long-running command (stopped on close); safe from several threads. */
  Process start(String logName, String... cmd) throws IOException {
    synchronized (net) {
      return net.start(logName, Map.of(), cmd);
    }
  }

  /** One node: its namespace, its daemon and the CLI that talks to it. */
  final class Node {
    final String name;
    final String ns;
    final String underlayIp;
    final Path stateDir;
    final Path socket;
    private Process daemon;
    private String daemonLog;

    Node(String name, String ns, String underlayIp, Path stateDir, Path socket) {
      this.name = name;
      this.ns = ns;
      this.underlayIp = underlayIp;
      this.stateDir = stateDir;
      this.socket = socket;
    }

    /** Starts {@code weft daemon} in the namespace; returns once it prints that it listens. */
    void startDaemon() throws Exception {
      daemonLog = name + "-daemon-" + logs.incrementAndGet() + ".log";
      String log = daemonLog;
      daemon =
          start(
              log,
              "ip",
              "netns",
              "exec",
              ns,
              java(),
              "--enable-native-access=ALL-UNNAMED",
              "-Xmx256m",
              "-Djava.util.logging.config.file=" + loggingConfig(),
              "-jar",
              weftJar().toString(),
              "daemon",
              "--state-dir",
              stateDir.toString(),
              "--socket",
              socket.toString());
      Process p = daemon;
      await(
          name + "'s daemon listens",
          Duration.ofSeconds(60),
          () -> net.log(log).contains("weft daemon: listening on " + socket) || !p.isAlive());
      assertThat(p.isAlive()).as("%s's daemon running; log:%n%s", name, net.log(log)).isTrue();
    }

    Process daemon() {
      return daemon;
    }

    String daemonLog() {
      return net.log(daemonLog);
    }

    /** Runs {@code weft --socket S ARGS} in the node's namespace. */
    Output cli(String... args) throws Exception {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  ns,
                  java(),
                  "--enable-native-access=ALL-UNNAMED",
                  "-Xshare:auto",
                  "-XX:TieredStopAtLevel=1",
                  "-jar",
                  weftJar().toString(),
                  "--socket",
                  socket.toString()));
      cmd.addAll(List.of(args));
      return exec(cmd);
    }

    /** Runs a CLI command that must succeed. */
    Output cliOk(String... args) throws Exception {
      Output o = cli(args);
      assertThat(o.exit())
          .as(
              "%s: weft %s:%n%s%n--- daemon log:%n%s",
              name, String.join(" ", args), o.both(), tail(daemonLog()))
          .isZero();
      return o;
    }

    /** {@code weft up} against the mesh's server; returns once it exits 0. */
    Output up(String authKey, String... extra) throws Exception {
      List<String> args =
          new ArrayList<>(
              List.of("up", "--login-server", CONTROL_URL, "--hostname", name, "--timeout", "60s"));
      if (authKey != null) {
        args.addAll(List.of("--auth-key", authKey));
      }
      args.addAll(List.of(extra));
      return cliOk(args.toArray(String[]::new));
    }

    /** {@code weft status --json}, parsed. */
    Backend.Status status() throws Exception {
      Output o = cliOk("status", "--json");
      try {
        return Backend.Status.fromJson(o.stdout());
      } catch (IOException e) {
        throw new AssertionError(
            name + ": weft status --json is not a Status: " + e.getMessage() + "\n" + o.stdout(),
            e);
      }
    }

    /** The status once {@code condition} holds (polled; fails after {@code timeout}). */
    Backend.Status awaitStatus(
        String what, Duration timeout, java.util.function.Predicate<Backend.Status> condition)
        throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      Backend.Status s;
      while (!condition.test(s = status())) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError(
              name
                  + ": "
                  + what
                  + " not within "
                  + timeout
                  + "; last status:\n"
                  + s.toJson()
                  + "\n--- daemon log:\n"
                  + tail(daemonLog()));
        }
        LockSupport.parkNanos(100_000_000L);
      }
      return s;
    }

    /** The node's mesh address of the family ({@code 4} or {@code 6}) as the status reports it. */
    String meshIp(Backend.Status s, int family) {
      return s.addresses().stream()
          .map(MeshNet::host)
          .filter(a -> family == 4 ? !a.contains(":") : a.contains(":"))
          .findFirst()
          .orElseThrow(
              () ->
                  new AssertionError(name + " has no IPv" + family + " address: " + s.addresses()));
    }

    /** Runs a command in the node's namespace. */
    Output inNs(String... cmd) throws Exception {
      List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
      all.addAll(List.of(cmd));
      return exec(all);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  // ---- plumbing ----

  /**
   * Runs a command with a bounded wait; stdout and stderr captured apart (in files: no pipe can
   * fill).
   */
  Output exec(List<String> cmd) throws Exception {
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(new File("/dev/null"))
              .start();
      if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(
            "timed out after "
                + COMMAND_TIMEOUT
                + ": "
                + String.join(" ", cmd)
                + "\n"
                + Files.readString(out)
                + Files.readString(err));
      }
      return new Output(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Polls {@code condition} every 20 ms until it holds; fails after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    Await.until(what, timeout, condition);
  }

  /** A node-wise step. */
  @FunctionalInterface
  interface NodeStep {
    void run(Node n) throws Exception;
  }

  /**
   * Runs {@code step} for every node at once (CLI calls start a JVM each: this saves wall time).
   */
  static void eachInParallel(List<Node> nodes, NodeStep step) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> running = new ArrayList<>();
      for (Node n : nodes) {
        running.add(
            pool.submit(
                () -> {
                  step.run(n);
                  return null;
                }));
      }
      for (Future<?> f : running) {
        join(f);
      }
    }
  }

  /** Waits for {@code f}; its failure is rethrown as it was (an AssertionError stays one). */
  static <T> T join(Future<T> f) throws Exception {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }

  /** The address part of {@code 100.64.0.1/32}. */
  static String host(String cidr) {
    int slash = cidr.indexOf('/');
    return slash < 0 ? cidr : cidr.substring(0, slash);
  }

  static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Path repo() {
    return Path.of(System.getenv().getOrDefault("WEFT_REPO_ROOT", ".."))
        .toAbsolutePath()
        .normalize();
  }

  static Path weftJar() {
    Path jar = repo().resolve("agent/target/weft.jar");
    assertThat(jar).as("the weft jar (built in agent's package phase)").exists();
    return jar;
  }

  static Path controlJar() {
    Path jar = repo().resolve("control/target/weft-control.jar");
    assertThat(jar).as("the coordination server's jar (built in control's package phase)").exists();
    return jar;
  }

  /**
   * Copies the processes' logs (server, daemons, socat) to {@code target} for a look after the run.
   */
  void keepLogs(Path target) throws IOException {
    if (Files.isDirectory(target)) {
      try (var old = Files.list(target)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(target);
    try (var logs = Files.list(dir)) {
      for (Path p : logs.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
        Files.copy(p, target.resolve(p.getFileName()));
      }
    }
  }

  String bridgeNs() {
    return bridgeNs;
  }

  List<Node> nodes() {
    return List.copyOf(nodes);
  }

  Path dir() {
    return dir;
  }

  /** Stops the daemons with SIGTERM (they take their TUN down), then everything else. */
  @Override
  public void close() {
    for (Node n : nodes.reversed()) {
      Process d = n.daemon;
      if (d != null && d.isAlive()) {
        d.destroy();
      }
    }
    net.close();
  }
}
