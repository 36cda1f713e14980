package io.weft.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.agent.backend.Backend;
import io.weft.agent.backend.BackendConfig;
import io.weft.agent.backend.BackendState;
import io.weft.agent.backend.ControlTrust;
import io.weft.agent.backend.StateDirectory;
import io.weft.agent.backend.TunFactory;
import io.weft.agent.engine.Engine;
import io.weft.agent.kernel.KernelTunFactory;
import io.weft.agent.ping.Pinger;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.agent.proxy.ProxyOptions;
import io.weft.agent.proxy.UserspaceProxies;
import io.weft.agent.userspace.NetstackTun;
import io.weft.agent.wg.WgCommand;
import io.weft.control.protocol.Node;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.local.OwnerOnlyFiles;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * {@code weft daemon}: owns the node's state directory, at most one {@link Backend} at a time and
 * the {@link LocalApiServer} through which the CLI drives it.
 *
 * <p>Operations (the {@code op} of a local API request; durations in milliseconds):
 *
 * <ul>
 *   <li>{@code up} — {@code loginServer}, {@code authKey}, {@code serverKey} (pinned at once,
 *       replacing an earlier pin), {@code caFile}, {@code hostname}, {@code tun} ({@code
 *       kernel}|{@code userspace}), {@code tunName}, {@code port}, {@code advertise} (array of
 *       addresses), {@code timeoutMillis}. Starts a backend (replacing a stopped or different one),
 *       sends {@code {"event":"login","url":...}} when an interactive login waits and {@code
 *       {"event":"state",...}} on changes, and answers once RUNNING, refused or timed out. Omitted
 *       options come from the last {@code up} (kept in the state directory), so {@code up} after
 *       {@code down} resumes with the stored keys.
 *   <li>{@code status} — {@code {"ok":true,"status":<Backend.Status>}}.
 *   <li>{@code ping} — {@code peer} (name or mesh IP), {@code count}, {@code timeoutMillis}, {@code
 *       intervalMillis}; a {@code pong} or {@code timeout} event per probe.
 *   <li>{@code down} — stops the node (TUN and peers gone), keeps keys and login.
 *   <li>{@code logout} — logs out at the server, forgets the node key and the pinned server key:
 *       NOT_LOGGED_IN.
 * </ul>
 */
public final class Daemon implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Daemon.class.getName());
  static final String PREFS = "up.json";

  private final Path stateDir;
  private final Path socket;
  private final UnaryOperator<BackendConfig> tuning;
  private final ReentrantLock lifecycle = new ReentrantLock();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile LocalApiServer server;
  private volatile Backend backend;
  private volatile UserspaceProxies proxies;
  private Pinger pinger; // guarded by this
  private PacketPipeline pingerPipeline; // guarded by this
  private volatile String hostname;
  private volatile String tunError;

  /** A daemon keeping its keys in {@code stateDir} and listening on {@code socket}. */
  public Daemon(Path stateDir, Path socket) {
    this(stateDir, socket, UnaryOperator.identity());
  }

  /** As above; {@code tuning} adjusts each backend's configuration (tests: backoff, watchdog). */
  public Daemon(Path stateDir, Path socket, UnaryOperator<BackendConfig> tuning) {
    this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
    this.socket = Objects.requireNonNull(socket, "socket");
    this.tuning = Objects.requireNonNull(tuning, "tuning");
  }

  /** Opens the state directory and starts serving the local API. */
  public void start() throws IOException {
    new StateDirectory(stateDir, new SecureRandom());
    server = LocalApiServer.start(socket, this::handle);
    LOG.log(Level.INFO, "local API on {0}, state in {1}", socket, stateDir);
  }

  /** The local API server (null before {@link #start}). */
  public LocalApiServer server() {
    return server;
  }

  /** The running backend, or null. */
  public Backend backend() {
    return backend;
  }

  /** Waits until {@link #close} has run. */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** Brings the node down (TUN removed) and stops serving (socket removed). */
  @Override
  public void close() throws IOException {
    lifecycle.lock();
    try {
      stopBackend();
      LocalApiServer s = server;
      if (s != null) {
        s.close();
      }
    } finally {
      lifecycle.unlock();
      stopped.countDown();
    }
  }

  // ---- requests ----

  private void handle(ObjectNode r, LocalApiServer.Replies replies) throws Exception {
    switch (r.get("op").asText()) {
      case "up" -> up(r, replies);
      case "status" ->
          replies.ok(
              LocalApiServer.JSON
                  .createObjectNode()
                  .set("status", LocalApiServer.JSON.readTree(status().toJson())));
      case "ping" -> ping(r, replies);
      case "trace" -> trace(r, replies);
      case "down" -> down(replies);
      case "logout" -> logout(replies);
      default ->
          replies.error(
              "unknown op \""
                  + r.get("op").asText()
                  + "\" (expected up, status, ping, trace, down, logout)");
    }
  }

  /** What {@code weft status} shows: the backend's status, or a stopped/not-logged-in one. */
  public Backend.Status status() throws IOException {
    Backend b = backend;
    if (b != null) {
      return b.status();
    }
    boolean registered = new StateDirectory(stateDir, new SecureRandom()).registered();
    return new Backend.Status(
        registered ? BackendState.STOPPED : BackendState.NOT_LOGGED_IN,
        hostname,
        null,
        List.of(),
        0,
        false,
        null,
        null,
        -1,
        List.of());
  }

  private void up(ObjectNode r, LocalApiServer.Replies replies) throws Exception {
    ObjectNode prefs = loadPrefs();
    for (String k :
        List.of(
            "loginServer",
            "caFile",
            "hostname",
            "tun",
            "tunName",
            "port",
            "advertise",
            "socks5",
            "httpProxy",
            "forward",
            "proxyFallback",
            "socks5Auth")) {
      if (r.hasNonNull(k)) {
        prefs.set(k, r.get(k));
      }
    }
    if (!prefs.hasNonNull("loginServer")) {
      replies.error("--login-server is required (no earlier `weft up` to take it from)");
      return;
    }
    URI url;
    try {
      url = URI.create(prefs.get("loginServer").asText());
    } catch (IllegalArgumentException e) {
      replies.error("--login-server: not a URL: " + prefs.get("loginServer").asText());
      return;
    }
    String mode = prefs.path("tun").asText("kernel");
    if (!mode.equals("kernel") && !mode.equals("userspace")) {
      replies.error("--tun must be kernel or userspace, not " + mode);
      return;
    }
    String name = prefs.hasNonNull("hostname") ? prefs.get("hostname").asText() : defaultHostname();
    List<InetAddress> advertise = null;
    if (prefs.hasNonNull("advertise")) {
      advertise = new ArrayList<>();
      for (JsonNode a : prefs.get("advertise")) {
        try {
          advertise.add(InetAddress.ofLiteral(a.asText()));
        } catch (IllegalArgumentException e) {
          replies.error("--advertise: not an IP address: " + a.asText());
          return;
        }
      }
    }
    String authKey = r.hasNonNull("authKey") ? r.get("authKey").asText() : null;
    NoisePublicKey serverKey = null;
    if (r.hasNonNull("serverKey")) {
      try {
        serverKey = NoisePublicKey.fromBase64(r.get("serverKey").asText().strip());
      } catch (IllegalArgumentException e) {
        replies.error("--server-key: not a base64 public key");
        return;
      }
    }
    ControlTrust trust =
        new ControlTrust(
            serverKey, prefs.hasNonNull("caFile") ? Path.of(prefs.get("caFile").asText()) : null);
    Duration timeout = Duration.ofMillis(r.path("timeoutMillis").asLong(60_000));

    boolean kernel = !mode.equals("userspace");
    ProxyOptions proxyOptions;
    try {
      proxyOptions = ProxyOptions.fromPrefs(prefs);
    } catch (IllegalArgumentException e) {
      replies.error(e.getMessage());
      return;
    }
    if (kernel && !proxyOptions.isEmpty()) {
      replies.error(
          "--socks5, --http-proxy and --forward need --tun=userspace (in kernel mode use the TUN)");
      return;
    }
    // Kernel mode takes weft wg's data-path defaults: TUN offloads (WEFT_TUN_OFFLOAD=0 turns them
    // off) with the batched bind that lets the receive loop hand the TUN whole runs to coalesce.
    boolean offloads = kernel && !"0".equals(System.getenv(WgCommand.OFFLOAD_ENV));
    String bindChoice = System.getenv(WgCommand.BIND_ENV);
    if (kernel && !WgCommand.isBindChoice(bindChoice)) {
      replies.error(
          WgCommand.BIND_ENV + "='" + bindChoice + "': expected plain, batch or batch-nogso");
      return;
    }
    TunFactory tun =
        recordingFailures(
            kernel
                ? new KernelTunFactory(
                    prefs.path("tunName").asText(KernelTunFactory.DEFAULT_NAME), offloads)
                : NetstackTun::forNode);
    BackendConfig cfg =
        BackendConfig.userspace(stateDir, url, authKey, name)
            .withTun(tun)
            .withListenPort(prefs.path("port").asInt(0));
    if (kernel) {
      cfg = cfg.withBind((keys, relays, listener) -> WgCommand.bind(bindChoice, offloads));
    }
    if (advertise != null) {
      cfg = cfg.withAdvertise(advertise);
    }
    cfg = tuning.apply(cfg.withTrust(trust));

    Backend b;
    lifecycle.lock();
    try {
      Backend old = backend;
      if (old != null
          && old.state() == BackendState.RUNNING
          && authKey == null
          && serverKey == null
          && prefs.equals(loadPrefs())) {
        replies.ok(
            LocalApiServer.JSON.createObjectNode().put("state", BackendState.RUNNING.name()));
        return;
      }
      stopBackend();
      storePrefs(prefs);
      hostname = name;
      tunError = null;
      b = new Backend(cfg);
      b.start();
      backend = b;
      try {
        proxies = proxyOptions.isEmpty() ? null : UserspaceProxies.start(b, proxyOptions);
      } catch (IOException e) {
        stopBackend();
        replies.error(e.getMessage());
        return;
      }
    } finally {
      lifecycle.unlock();
    }
    awaitUp(b, timeout, replies);
  }

  /** Reports login URLs and state changes until RUNNING, a refusal or the timeout. */
  private void awaitUp(Backend b, Duration timeout, LocalApiServer.Replies replies)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String urlSent = null;
    BackendState stateSent = null;
    while (true) {
      Backend.Status s = b.status();
      if (s.state() != stateSent) {
        stateSent = s.state();
        replies.event(
            "state", LocalApiServer.JSON.createObjectNode().put("state", stateSent.name()));
      }
      if (s.loginUrl() != null && !s.loginUrl().equals(urlSent)) {
        urlSent = s.loginUrl();
        replies.event("login", LocalApiServer.JSON.createObjectNode().put("url", urlSent));
      }
      switch (s.state()) {
        case RUNNING -> {
          replies.ok(LocalApiServer.JSON.createObjectNode().put("state", s.state().name()));
          return;
        }
        case NOT_LOGGED_IN, STOPPED -> {
          replies.error("not logged in: " + (s.lastError() == null ? "refused" : s.lastError()));
          return;
        }
        default -> {}
      }
      String tunFailed = tunError;
      if (tunFailed != null) {
        // Without its plaintext side the node is useless: stop rather than retry forever.
        lifecycle.lock();
        try {
          if (backend == b) {
            stopBackend();
          }
        } finally {
          lifecycle.unlock();
        }
        replies.error(
            "cannot open the TUN: "
                + tunFailed
                + " (kernel mode needs root; or use --tun=userspace)");
        return;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        replies.error(
            "timed out after "
                + timeout.toMillis()
                + " ms in state "
                + s.state()
                + (s.lastError() == null ? "" : " (last error: " + s.lastError() + ")")
                + "; the node keeps trying");
        return;
      }
      b.awaitState(
          BackendState.RUNNING,
          Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50))));
    }
  }

  private void down(LocalApiServer.Replies replies) throws IOException {
    lifecycle.lock();
    try {
      stopBackend();
    } finally {
      lifecycle.unlock();
    }
    replies.ok(LocalApiServer.JSON.createObjectNode().put("state", status().state().name()));
  }

  private void logout(LocalApiServer.Replies replies) throws IOException {
    String note = null;
    lifecycle.lock();
    try {
      Backend b = backend;
      if (b != null && b.status().controlConnected()) {
        b.logout();
      } else {
        note =
            "not connected to the coordination server: forgot the node key here; the server lists the node"
                + " until its key expires or an admin deletes it";
      }
      stopBackend();
      StateDirectory dir = new StateDirectory(stateDir, new SecureRandom());
      dir.setRegistered(false);
      dir.forgetNodeKey();
      dir.forgetServerKey();
    } finally {
      lifecycle.unlock();
    }
    ObjectNode ok = LocalApiServer.JSON.createObjectNode().put("state", status().state().name());
    if (note != null) {
      ok.put("note", note);
    }
    replies.ok(ok);
  }

  /** {@code weft debug trace}: what this node's filter does with a new connection, in words. */
  private void trace(ObjectNode r, LocalApiServer.Replies replies) throws IOException {
    Backend b = backend;
    if (b == null) {
      replies.error("the node is not running (weft up first)");
      return;
    }
    InetAddress src = literal(r.path("src").asText(""));
    InetAddress dst = literal(r.path("dst").asText(""));
    if (src == null || dst == null) {
      replies.error("trace: SRC and DST must be IP addresses");
      return;
    }
    replies.ok(
        LocalApiServer.JSON
            .createObjectNode()
            .put(
                "trace",
                b.packetFilter()
                    .trace(src, dst, r.path("port").asInt(0), r.path("proto").asInt(6))));
  }

  private void ping(ObjectNode r, LocalApiServer.Replies replies) throws IOException {
    Backend b = backend;
    Pinger tun = b == null ? null : pinger(b);
    if (b == null || b.state() != BackendState.RUNNING || tun == null || b.self() == null) {
      replies.error("the node is not running (weft up first)");
      return;
    }
    String peer = r.path("peer").asText("");
    int count = Math.max(1, r.path("count").asInt(1));
    Duration timeout = Duration.ofMillis(Math.max(1, r.path("timeoutMillis").asLong(5000)));
    Duration interval = Duration.ofMillis(Math.max(0, r.path("intervalMillis").asLong(1000)));
    Node target = null;
    InetAddress dst = null;
    InetAddress literal = literal(peer);
    for (Node n : b.netMap().peers().values()) {
      List<InetAddress> hosts = Engine.hosts(n.addresses());
      if (literal != null ? hosts.contains(literal) : matches(n, peer)) {
        target = n;
        dst =
            literal != null
                ? literal
                : hosts.stream()
                    .filter(a -> a instanceof Inet4Address)
                    .findFirst()
                    .orElse(hosts.isEmpty() ? null : hosts.getFirst());
        break;
      }
    }
    if (target == null || dst == null) {
      replies.error("no peer named or addressed \"" + peer + "\" in this node's map");
      return;
    }
    InetAddress want = dst;
    InetAddress src =
        Engine.hosts(b.self().addresses()).stream()
            .filter(a -> a.getClass() == want.getClass())
            .findFirst()
            .orElse(null);
    if (src == null) {
      replies.error(
          "this node has no " + (dst instanceof Inet4Address ? "IPv4" : "IPv6") + " mesh address");
      return;
    }
    int replied = 0;
    for (int i = 0; i < count; i++) {
      if (i > 0 && !interval.isZero()) {
        LockSupport.parkNanos(interval.toNanos()); // pacing between probes, as ping(8)
      }
      ObjectNode ev =
          LocalApiServer.JSON
              .createObjectNode()
              .put("seq", i + 1)
              .put("name", target.name())
              .put("ip", Engine.text(dst));
      try {
        Duration rtt = tun.echo(src, dst, timeout);
        replied++;
        ev.put("rttNanos", rtt.toNanos()).put("endpoint", endpointOf(b.device(), target.nodeKey()));
        replies.event("pong", ev);
      } catch (SocketTimeoutException e) {
        replies.event("timeout", ev.put("timeoutMillis", timeout.toMillis()));
      }
    }
    replies.ok(LocalApiServer.JSON.createObjectNode().put("sent", count).put("received", replied));
  }

  private static boolean matches(Node n, String peer) {
    String name = n.name() == null ? "" : n.name();
    int dot = name.indexOf('.');
    return peer.equalsIgnoreCase(name)
        || (dot > 0 && peer.equalsIgnoreCase(name.substring(0, dot)))
        || peer.equalsIgnoreCase(n.hostname());
  }

  private static InetAddress literal(String s) {
    try {
      return s.isEmpty() ? null : InetAddress.ofLiteral(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String endpointOf(Device d, String nodeKey) {
    if (d == null || nodeKey == null) {
      return null;
    }
    try {
      Peer p = d.peer(NoisePublicKey.fromBase64(nodeKey));
      return p == null || p.endpoint() == null ? null : p.endpoint().destinationString();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ---- plumbing ----

  /** Remembers why the TUN could not be opened, for {@code weft status}. */
  private TunFactory recordingFailures(TunFactory inner) {
    return (host, addresses) -> {
      try {
        return inner.open(host, addresses);
      } catch (IOException | RuntimeException e) {
        tunError = LocalApiServer.message(e);
        throw e;
      }
    };
  }

  /**
   * The pinger on {@code b}'s packet pipeline, made at the first ping; null before the pipeline.
   */
  private synchronized Pinger pinger(Backend b) {
    PacketPipeline p = b.pipeline();
    if (p == null) {
      return null;
    }
    if (pinger == null || pingerPipeline != p) {
      if (pinger != null) {
        pinger.close();
      }
      pinger = new Pinger(p);
      pingerPipeline = p;
    }
    return pinger;
  }

  private void stopBackend() {
    Backend b = backend;
    backend = null;
    UserspaceProxies p = proxies;
    proxies = null;
    if (p != null) {
      p.close();
    }
    synchronized (this) {
      if (pinger != null) {
        pinger.close();
        pinger = null;
        pingerPipeline = null;
      }
    }
    if (b != null) {
      b.close();
    }
  }

  private ObjectNode loadPrefs() throws IOException {
    Path f = stateDir.resolve(PREFS);
    if (!Files.exists(f)) {
      return LocalApiServer.JSON.createObjectNode();
    }
    JsonNode n = LocalApiServer.JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
    return n instanceof ObjectNode o ? o : LocalApiServer.JSON.createObjectNode();
  }

  /** The last {@code up}'s options (no secrets: the auth key is never kept), mode 0600. */
  private void storePrefs(ObjectNode prefs) throws IOException {
    OwnerOnlyFiles.writeSecret(
        stateDir.resolve(PREFS),
        LocalApiServer.JSON.writeValueAsString(prefs).getBytes(StandardCharsets.UTF_8));
  }

  private static String defaultHostname() {
    try {
      String h = InetAddress.getLocalHost().getHostName();
      int dot = h.indexOf('.');
      return (dot > 0 ? h.substring(0, dot) : h).toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "weft-node";
    }
  }
}
