package io.weft.agent.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.weft.agent.engine.Engine;
import io.weft.agent.filter.PacketFilter;
import io.weft.agent.netmap.NetMapBus;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.agent.userspace.NetstackTun;
import io.weft.control.client.ControlClient;
import io.weft.control.client.ControlTls;
import io.weft.control.client.ServerHandshakeException;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Printable;
import io.weft.control.protocol.RegisterStatus;
import io.weft.netstack.NetStack;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.MachinePrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import io.weft.wg.time.NanoClock;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;

/**
 * The node: one state machine ({@link BackendState}) that the CLI, the daemon's local API and
 * embedders observe and drive.
 *
 * <pre>{@code
 * Backend b = new Backend(BackendConfig.userspace(stateDir, url, authKey, "laptop"));
 * b.addListener(s -> System.out.println("state " + s));
 * b.start();                                    // NOT_LOGGED_IN -> LOGGING_IN -> RUNNING
 * b.awaitState(BackendState.RUNNING, Duration.ofSeconds(30));
 * Backend.Status st = b.status();               // what `weft status` prints
 * b.close();                                    // STOPPED
 * }</pre>
 *
 * <p>One virtual thread runs the control loop: connect (Noise IK, machine key), register (with the
 * pre-auth key only until a registration has succeeded once; then as the known machine), bring the
 * device up on the first success (its addresses come from the server), report the endpoints
 * (advertised addresses with the bind's port), subscribe to the map and publish each map on the
 * {@link NetMapBus}, where the {@link Engine} is one subscriber. When the connection ends it
 * reconnects with {@link Backoff} and resumes the map stream from the last map; meanwhile the
 * device keeps running on that map. A refusal (deleted, logged out, key expired) ends the loop in
 * {@link BackendState#NOT_LOGGED_IN} with the peers removed.
 *
 * <p>The server is known by its Noise key, pinned in the state directory at the first successful
 * registration (or up front by {@link ControlTrust#serverKey()}) and never replaced on the server's
 * word: when a server fails the handshake for the pinned key and {@code GET /key} names another,
 * the loop ends in NOT_LOGGED_IN with an error naming both keys and how to accept the new one.
 * Addresses outside the mesh prefixes ({@link Engine#isMeshPrefix}) are refused the same way for
 * this node, and dropped from peers, before anything is applied.
 */
public final class Backend implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Backend.class.getName());

  /** One peer as {@code weft status} shows it. */
  public record PeerStatus(
      long id,
      String name,
      String nodeKey,
      List<String> addresses,
      String endpoint,
      boolean online,
      long lastHandshakeEpochMillis,
      long rxBytes,
      long txBytes) {}

  /**
   * A snapshot for {@code weft status}.
   *
   * @param controlConnected whether the map stream is attached right now
   * @param loginUrl the URL to open while an interactive login waits, else null
   * @param lastError why the last connection attempt or session ended, else null
   * @param mapVersion the version of the map the device runs on (-1 before the first)
   */
  public record Status(
      BackendState state,
      String hostname,
      String nodeKey,
      List<String> addresses,
      int listenPort,
      boolean controlConnected,
      String loginUrl,
      String lastError,
      long mapVersion,
      List<PeerStatus> peers) {

    /** {@code weft status --json}: this record as JSON (field names as the record components). */
    public String toJson() {
      try {
        return MessageCodec.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("status is always serialisable", e);
      }
    }

    /** Parses {@link #toJson()} (the CLI reads the daemon's answer with it). */
    public static Status fromJson(String json) throws IOException {
      return MessageCodec.JSON.readValue(json, Status.class);
    }
  }

  private final BackendConfig config;
  private final SecureRandom random = new SecureRandom();
  private final Backoff backoff;
  private final List<Consumer<BackendState>> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final CountDownLatch stopping = new CountDownLatch(1);
  private volatile boolean halted;

  // Guarded by lock.
  private BackendState state = BackendState.NOT_LOGGED_IN;
  private BackendState observedState = BackendState.NOT_LOGGED_IN;
  private String loginUrl;
  private String lastError;
  private NetMap map = new NetMap();
  private Node self;
  private boolean controlConnected;
  private long mapsApplied;

  // Owned by the control thread after start(); published through volatile for status and close.
  private StateDirectory stateDir;
  private MachinePrivateKey machineKey;
  private NoisePrivateKey nodeKey; // handed to the device, which owns (and finally zeroes) it
  private volatile NoisePublicKey nodePublic;
  private DiscoPrivateKey discoKey;
  private NoisePublicKey serverKey;
  private boolean serverKeyPinned;
  private SSLContext tls;
  private volatile Bind bind;
  private volatile int port;
  private volatile Tun tun;
  private volatile PacketPipeline pipeline;
  private io.weft.agent.flowlog.FlowLogService flowLogs; // guarded by this
  private volatile Device device;
  private volatile Engine engine;
  private volatile ControlClient client;
  private volatile Thread controlThread;
  private volatile long lastMapNanos;
  private final AtomicLong sessions = new AtomicLong();
  private final AtomicLong watchdogChecks = new AtomicLong();
  private final NetMapBus netMaps;
  private final PacketFilter packetFilter = new PacketFilter();
  private final LocalEndpoints localEndpoints;

  public Backend(BackendConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.backoff = new Backoff(config.backoffInitial(), config.backoffMax(), random);
    this.netMaps = new NetMapBus(config.hostname());
    this.localEndpoints = new LocalEndpoints(config.hostname(), config.advertise());
  }

  /**
   * The network maps this node runs on: subscribe to follow them (the engine is one subscriber).
   * Subscribers never modify the maps.
   */
  public NetMapBus netMaps() {
    return netMaps;
  }

  /** The inbound packet filter (its rules follow the network map). */
  public PacketFilter packetFilter() {
    return packetFilter;
  }

  // ---- observing ----

  /** Calls {@code l} with each new state (on the thread that changed it). */
  public void addListener(Consumer<BackendState> l) {
    listeners.add(l);
  }

  public void removeListener(Consumer<BackendState> l) {
    listeners.remove(l);
  }

  /** The current state. */
  public BackendState state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the state is {@code wanted}; returns false on timeout. */
  public boolean awaitState(BackendState wanted, Duration timeout) throws InterruptedException {
    return awaitCondition(() -> observedState == wanted, timeout);
  }

  /** Waits until the map stream is attached ({@code true}) or not; returns false on timeout. */
  public boolean awaitControlConnected(boolean connected, Duration timeout)
      throws InterruptedException {
    return awaitCondition(() -> controlConnected == connected, timeout);
  }

  /**
   * Waits until the map the device runs on satisfies {@code condition} (tested under the backend's
   * lock: keep it cheap); returns a copy of that map.
   */
  public NetMap awaitMap(Predicate<NetMap> condition, Duration timeout)
      throws InterruptedException, TimeoutException {
    if (!awaitCondition(() -> condition.test(map), timeout)) {
      throw new TimeoutException(
          "map condition not met within "
              + timeout
              + " (state "
              + state()
              + ", map version "
              + netMap().version()
              + ", last error "
              + status().lastError()
              + ")");
    }
    return netMap();
  }

  /** A copy of the map the device runs on. */
  public NetMap netMap() {
    lock.lock();
    try {
      return map.copy();
    } finally {
      lock.unlock();
    }
  }

  /** This node as the server last described it, or null before registration. */
  public Node self() {
    lock.lock();
    try {
      return self;
    } finally {
      lock.unlock();
    }
  }

  /** The plaintext side (a {@code NetstackTun} in userspace mode), or null before registration. */
  public Tun tun() {
    return tun;
  }

  /**
   * The packet pipeline around {@link #tun()} that the device runs on (hooks for the filter, flow
   * accounting, ping; packet injection), or null before registration.
   */
  public PacketPipeline pipeline() {
    return pipeline;
  }

  /**
   * The userspace TCP/IP stack of a node in userspace mode; empty in kernel mode or before
   * registration.
   */
  public Optional<NetStack> netstack() {
    return tun instanceof NetstackTun n ? Optional.of(n.stack()) : Optional.empty();
  }

  /** The WireGuard device, or null before registration. */
  public Device device() {
    return device;
  }

  /** A snapshot of state, addresses and per-peer counters. */
  public Status status() {
    Device d = device;
    List<PeerStatus> peers = new ArrayList<>();
    lock.lock();
    try {
      for (Node n : map.peers().values()) {
        Peer p = null;
        NoisePublicKey key = n.nodePublicKey();
        if (d != null && key != null && !n.expired()) {
          p = d.peer(key);
        }
        peers.add(
            new PeerStatus(
                n.id(),
                n.name(),
                n.nodeKey(),
                n.addresses(),
                p == null || p.endpoint() == null ? null : p.endpoint().destinationString(),
                n.online(),
                p == null ? 0 : p.lastHandshakeEpochNanos() / 1_000_000,
                p == null ? 0 : p.rxBytes(),
                p == null ? 0 : p.txBytes()));
      }
      return new Status(
          state,
          config.hostname(),
          nodePublic == null ? null : nodePublic.toBase64(),
          self == null ? List.of() : self.addresses(),
          port,
          controlConnected,
          loginUrl,
          lastError,
          map.version(),
          List.copyOf(peers));
    } finally {
      lock.unlock();
    }
  }

  // ---- driving ----

  /**
   * Loads or creates the keys, opens the bind and starts the control loop. Returns at once; watch
   * the state. Throws when the state directory or the UDP port cannot be used.
   */
  public void start() throws IOException {
    lock.lock();
    try {
      if (controlThread != null || state == BackendState.STOPPED) {
        throw new IllegalStateException("already started");
      }
      stateDir = new StateDirectory(config.stateDir(), random);
      machineKey = stateDir.machineKey();
      nodeKey = stateDir.nodeKey();
      nodePublic = nodeKey.publicKey();
      discoKey = stateDir.discoKey();
      tls = ControlTls.context(config.trust().caFile());
      Bind b =
          config
              .bind()
              .create(
                  new BindFactory.NodeKeys(nodeKey, nodePublic, discoKey, discoKey.publicKey()),
                  stateDir.relayMap(),
                  localEndpoints);
      port = b.open(config.listenPort());
      bind = b;
      controlThread =
          Thread.ofVirtual().name("weft-backend-" + config.hostname()).unstarted(this::controlLoop);
    } finally {
      lock.unlock();
    }
    transition(BackendState.LOGGING_IN, null);
    controlThread.start();
  }

  /**
   * Uploads flow-log records (JSON lines) over the control connection, returning once the server
   * stored them: the {@link io.weft.agent.flowlog.FlowUploader} of the node's flow log.
   */
  public void uploadFlowLogs(byte[] jsonLines) throws IOException {
    ControlClient c = client;
    boolean attached;
    lock.lock();
    try {
      attached = controlConnected;
    } finally {
      lock.unlock();
    }
    // Only on a registered session with its map attached: before registration the server takes
    // small messages only (and closes a connection that sends a larger one).
    if (c == null || !attached || c != client) {
      throw new IOException("not connected to the control server");
    }
    c.uploadFlowLogs(
        new String(jsonLines, java.nio.charset.StandardCharsets.UTF_8), Duration.ofSeconds(30));
  }

  /**
   * Starts the node's flow log (issue 18) on the packet pipeline: records spooled in the state
   * directory's {@code flowlog} directory and uploaded over the control connection every {@code
   * interval}. Once the device is up (state RUNNING); a second call returns the running one.
   */
  public synchronized io.weft.agent.flowlog.FlowLogService startFlowLogs(
      io.weft.agent.flowlog.FlowLog.Config cfg, Duration interval) throws IOException {
    if (flowLogs != null) {
      return flowLogs;
    }
    PacketPipeline p = pipeline;
    if (p == null) {
      throw new IllegalStateException("the device is not up yet");
    }
    io.weft.agent.flowlog.FlowSpool spool =
        new io.weft.agent.flowlog.FlowSpool(config.stateDir().resolve("flowlog"), 64L << 20);
    io.weft.agent.flowlog.FlowLog log =
        new io.weft.agent.flowlog.FlowLog(cfg, System::currentTimeMillis, spool).attach(p, netMaps);
    // The hooks sit after the filter and never see what it drops: the filter's verdicts are
    // reported to the flow log (no rule names a drop: the filter denies what no rule allows).
    io.weft.agent.pipeline.PacketHook in = packetFilter.inbound();
    io.weft.agent.pipeline.PacketHook out = packetFilter.outbound();
    p.setFilter(
        pk -> countDrop(log, pk, in.onPacket(pk)), pk -> countDrop(log, pk, out.onPacket(pk)));
    flowLogs =
        new io.weft.agent.flowlog.FlowLogService(log, spool, this::uploadFlowLogs).start(interval);
    return flowLogs;
  }

  private static int countDrop(
      io.weft.agent.flowlog.FlowLog log, io.weft.agent.pipeline.Packet p, int verdict) {
    if (verdict == io.weft.agent.pipeline.PacketHook.DROP) {
      log.dropped(p, -1);
    }
    return verdict;
  }

  /** Stops everything: the control loop, the device, the bind. The state becomes STOPPED. */
  @Override
  public void close() {
    io.weft.agent.flowlog.FlowLogService f;
    synchronized (this) {
      f = flowLogs;
      flowLogs = null;
    }
    if (f != null) {
      try {
        f.close(); // open flows written, one last upload while the control connection is up
      } catch (IOException e) {
        LOG.log(Level.WARNING, "{0}: closing the flow log: {1}", config.hostname(), e.getMessage());
      }
    }
    stopping.countDown();
    ControlClient c = client;
    if (c != null) {
      closeQuietly(c);
    }
    Thread t = controlThread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Device d = device;
    if (d != null) {
      d.close();
    } else if (bind != null) {
      try {
        bind.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing bind: {0}", e.getMessage());
      }
    }
    netMaps.close();
    setControlConnected(false, null);
    transition(BackendState.STOPPED, null);
  }

  /**
   * Logs out: the server expires the node key, the peers are removed and the state becomes
   * NOT_LOGGED_IN. The next start needs a pre-auth key or an interactive login again.
   */
  public void logout() throws IOException {
    ControlClient c = client;
    if (c == null) {
      throw new IOException("not connected to the coordination server");
    }
    halted = true;
    c.logout(config.requestTimeout());
    loggedOut("logged out");
  }

  /**
   * Rotates the node key: the server accepts the new key for this node (same addresses), the device
   * switches to it (its sessions restart) and peers learn it from their next map delta. Returns the
   * new public key.
   */
  public synchronized NoisePublicKey rotateNodeKey() throws IOException {
    ControlClient c = client;
    Device d = device;
    if (c == null || d == null) {
      throw new IOException("not connected to the coordination server");
    }
    NoisePrivateKey next = NoisePrivateKey.generate(random);
    Message.RegisterResult r;
    try {
      r =
          c.register(
              next.publicKey(),
              nodePublic,
              discoKey.publicKey().key(),
              hostInfo(),
              null,
              config.requestTimeout());
    } catch (IOException e) {
      next.destroy();
      throw e;
    }
    if (r.status() != RegisterStatus.AUTHORIZED) {
      next.destroy();
      throw new IOException("key rotation refused: " + r.reason());
    }
    stateDir.storeNodeKey(next);
    nodePublic = next.publicKey();
    d.setPrivateKey(next);
    LOG.log(Level.INFO, "{0}: node key rotated to {1}", config.hostname(), nodePublic);
    return nodePublic;
  }

  // ---- the control loop ----

  private void controlLoop() {
    int attempt = 0;
    while (!stopped()) {
      try {
        if (session()) {
          attempt = 0;
        }
      } catch (Refused e) {
        loggedOut(e.getMessage());
        return;
      } catch (Halted e) {
        halt(e.getMessage());
        return;
      } catch (IOException | RuntimeException e) {
        if (stopped()) {
          return;
        }
        setError(e.getMessage() == null ? e.toString() : e.getMessage());
        LOG.log(Level.DEBUG, "{0}: control connection: {1}", config.hostname(), e.toString());
      } catch (InterruptedException e) {
        return;
      }
      if (stopped()) {
        return;
      }
      Duration wait = backoff.delay(attempt++);
      try {
        if (stopping.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The server refused this node: nothing to retry without a new login. */
  private static final class Refused extends IOException {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason);
    }
  }

  /**
   * Talking to this server would be unsafe (its key changed, it hands out addresses outside the
   * mesh): stop without forgetting the registration, until the user decides.
   */
  private static final class Halted extends IOException {
    private static final long serialVersionUID = 1L;

    Halted(String reason) {
      super(reason);
    }
  }

  /**
   * The key to expect: {@code --server-key} (pinned at once), else the pinned one, else what {@code
   * GET /key} says (pinned only once a registration succeeds).
   */
  private NoisePublicKey serverKeyToUse() throws IOException, InterruptedException {
    NoisePublicKey given = config.trust().serverKey();
    NoisePublicKey stored = stateDir.serverKey();
    serverKeyPinned = given != null || stored != null;
    if (given != null) {
      if (!given.equals(stored)) {
        stateDir.pinServerKey(given);
        LOG.log(
            Level.INFO,
            "{0}: pinned server key {1} (--server-key){2}",
            config.hostname(),
            given,
            stored == null ? "" : ", replacing " + stored);
      }
      return given;
    }
    return stored != null ? stored : ControlClient.fetchServerKey(config.controlUrl(), tls);
  }

  /**
   * A server failed the handshake for the expected key. Before a key is pinned, learn it again
   * (first use); after, never: {@code GET /key} is asked only to name what the server claims now.
   */
  private void onHandshakeFailure(ServerHandshakeException e)
      throws IOException, InterruptedException {
    if (!serverKeyPinned) {
      serverKey = null;
      throw e;
    }
    NoisePublicKey claimed;
    try {
      claimed = ControlClient.fetchServerKey(config.controlUrl(), tls);
    } catch (IOException | IllegalArgumentException f) {
      throw e; // nothing better to report: retry with the pinned key
    }
    if (claimed.equals(serverKey)) {
      throw e; // the server still claims the pinned key: a transient failure
    }
    throw new Halted(
        "the coordination server at "
            + config.controlUrl()
            + " now presents key "
            + claimed
            + ", but this node pinned key "
            + serverKey
            + ": refusing to talk to it (someone on the network path, or"
            + " the server's key was replaced). If the server's key really changed, accept it with"
            + " `weft up --server-key "
            + claimed
            + "` (or `weft logout`, then `weft up`)");
  }

  /**
   * One connection: register, subscribe, apply maps until it ends. Returns whether the map stream
   * was attached (so the next failure starts the backoff afresh).
   */
  private boolean session() throws IOException, InterruptedException {
    if (serverKey == null) {
      serverKey = serverKeyToUse();
    }
    ControlClient c;
    try {
      c = ControlClient.connect(config.controlUrl(), machineKey.key(), serverKey, netMap(), tls);
    } catch (ServerHandshakeException e) {
      onHandshakeFailure(e);
      throw e;
    }
    client = c;
    try {
      if (stopped()) {
        return false;
      }
      boolean known = stateDir.registered();
      Message.RegisterResult r =
          c.register(
              nodePublic,
              null,
              discoKey.publicKey().key(),
              hostInfo(),
              known ? null : config.authKey(),
              config.requestTimeout());
      Node registered =
          switch (r.status()) {
            case AUTHORIZED -> r.self();
            case NEEDS_LOGIN -> {
              transition(BackendState.LOGGING_IN, r.loginUrl());
              LOG.log(
                  Level.INFO,
                  "{0}: to log in, open {1}",
                  config.hostname(),
                  Printable.strip(r.loginUrl()));
              yield c.awaitLogin(config.loginTimeout());
            }
            case REJECTED ->
                throw new Refused("registration refused: " + Printable.strip(r.reason()));
          };
      refuseOutsideMesh(registered);
      stateDir.setRegistered(true);
      if (!serverKeyPinned) {
        stateDir.pinServerKey(serverKey);
        serverKeyPinned = true;
        LOG.log(
            Level.INFO,
            "{0}: pinned server key {1} at the first registration",
            config.hostname(),
            serverKey);
      }
      lock.lock();
      try {
        self = registered;
      } finally {
        lock.unlock();
      }
      bringUp(registered);
      lastMapNanos = config.clock().nanoTime();
      c.onMapMessage(
          m -> {
            lastMapNanos = config.clock().nanoTime();
            onMap(c);
          });
      c.subscribe();
      sessions.incrementAndGet();
      setControlConnected(true, null);
      awaitFirstMap(c);
      transition(BackendState.RUNNING, null);
      String why = awaitEndOrSilence(c);
      setControlConnected(false, null);
      if (!stopped()) {
        setError(why);
        LOG.log(
            Level.INFO, "{0}: control connection ended: {1}; reconnecting", config.hostname(), why);
      }
      return true;
    } catch (ExecutionException e) {
      throw new IOException(e.getCause());
    } finally {
      client = null;
      closeQuietly(c);
    }
  }

  /**
   * Before the node's first map is applied it knows no peers, and would drop their handshakes until
   * the next retry (5 s): so RUNNING waits, bounded by the request timeout, for that map (on a
   * reconnection the last map is already in place and nothing waits).
   */
  private void awaitFirstMap(ControlClient c) throws InterruptedException {
    long deadline = System.nanoTime() + config.requestTimeout().toNanos();
    lock.lock();
    try {
      while (mapsApplied == 0 && !c.closed().isDone() && !halted) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          LOG.log(
              Level.WARNING,
              "{0}: no network map within {1} ms of subscribing",
              config.hostname(),
              Long.toString(config.requestTimeout().toMillis()));
          return;
        }
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the connection ends, or drops it when the map stream has been silent (not even a
   * keepalive) for longer than {@link BackendConfig#mapSilenceTimeout()}: a half-open TCP
   * connection (a NAT that forgot it, a frozen server) would otherwise look attached forever.
   */
  private String awaitEndOrSilence(ControlClient c)
      throws InterruptedException, ExecutionException {
    long limit = config.mapSilenceTimeout().toNanos();
    long period =
        Math.clamp(limit / 8, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
    while (true) {
      try {
        return c.closed().get(period, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        long silent = config.clock().nanoTime() - lastMapNanos;
        watchdogChecks.incrementAndGet();
        if (silent > limit) {
          String why =
              "map stream silent for "
                  + Duration.ofNanos(silent).toMillis()
                  + " ms (limit "
                  + config.mapSilenceTimeout().toMillis()
                  + " ms)";
          LOG.log(Level.INFO, "{0}: {1}; dropping the connection", config.hostname(), why);
          closeQuietly(c);
          return why;
        }
      }
    }
  }

  /** How many times the map stream has been attached (each reconnection adds one). */
  public long controlSessions() {
    return sessions.get();
  }

  /** How many times the silence watchdog has looked at the map stream (tests wait on it). */
  public long watchdogChecks() {
    return watchdogChecks.get();
  }

  /** Publishes the client's map; the engine (a subscriber) applies it on its own thread. */
  private void onMap(ControlClient c) {
    netMaps.publish(c.netMap());
  }

  /** The engine's subscription: apply, then record the map as the one the device runs on. */
  private void applyMap(NetMap m) {
    packetFilter.update(m.packetFilter()); // first, so that awaitMap sees the rules in force
    if (m.self() != null) { // a server's map, not the empty one published on a halt
      storeRelayMap(m.relayMap());
    }
    Engine e = engine;
    if (e != null) {
      e.apply(m);
    }
    lock.lock();
    try {
      map = m;
      if (m.self() != null) {
        self = m.self();
      }
      mapsApplied++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Keeps the map's relay map for the bind of the next start (the bind takes it when built). */
  private void storeRelayMap(RelayMap relays) {
    try {
      stateDir.storeRelayMap(relays);
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "{0}: could not store the relay map: {1}",
          config.hostname(),
          e.getMessage());
    }
  }

  /** Refuses a registration whose addresses are not all inside the mesh prefixes. */
  private void refuseOutsideMesh(Node registered) throws Halted {
    List<String> outside =
        registered.addresses().stream().filter(a -> !Engine.isMeshPrefix(a)).toList();
    if (!outside.isEmpty()) {
      throw new Halted(
          "the coordination server assigned this node "
              + Printable.strip(String.join(", ", outside))
              + ", outside the mesh prefixes "
              + Engine.MESH_PREFIXES
              + ": refusing to configure it");
    }
  }

  /** Opens the TUN with the node's addresses and starts the device, once. */
  private void bringUp(Node registered) throws IOException {
    if (device != null) {
      return;
    }
    Tun t = config.tun().open(config.hostname(), Engine.hosts(registered.addresses()));
    PacketPipeline p = new PacketPipeline(t);
    p.setFilter(packetFilter.inbound(), packetFilter.outbound()); // default deny until a map
    Device d =
        new Device(p, bind, NanoClock.SYSTEM, System.getLogger("weft.device." + config.hostname()));
    d.setPrivateKey(nodeKey);
    d.setListenPort(port);
    d.up();
    tun = t;
    pipeline = p;
    engine = new Engine(d);
    device = d;
    netMaps.subscribe("engine", this::applyMap);
    LOG.log(
        Level.INFO,
        "{0}: up as {1}, node key {2}, udp/{3}",
        config.hostname(),
        registered.addresses(),
        nodePublic,
        Integer.toString(port));
  }

  private HostInfo hostInfo() {
    return new HostInfo(
        config.hostname(),
        System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT),
        localEndpoints.report(port));
  }

  /** Ends the loop on a {@link Halted}: peers removed, registration and keys kept. */
  private void halt(String why) {
    Engine e = engine;
    if (e != null) {
      e.clear();
    }
    lock.lock();
    try {
      map = new NetMap();
      lastError = why;
      controlConnected = false;
    } finally {
      lock.unlock();
    }
    LOG.log(
        Level.ERROR,
        "{0}: stopped talking to the coordination server: {1}",
        config.hostname(),
        why);
    transition(BackendState.NOT_LOGGED_IN, null);
  }

  private void loggedOut(String why) {
    try {
      stateDir.setRegistered(false);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot clear the registration marker: {0}", e.getMessage());
    }
    Engine e = engine;
    if (e != null) {
      e.clear();
    }
    netMaps.publish(new NetMap()); // subscribers drop their peers too
    lock.lock();
    try {
      map = new NetMap();
      lastError = why;
      controlConnected = false;
    } finally {
      lock.unlock();
    }
    LOG.log(Level.INFO, "{0}: not logged in: {1}", config.hostname(), why);
    transition(BackendState.NOT_LOGGED_IN, null);
  }

  // ---- plumbing ----

  private boolean stopped() {
    return stopping.getCount() == 0 || halted;
  }

  private void setControlConnected(boolean connected, String error) {
    lock.lock();
    try {
      controlConnected = connected;
      if (connected) {
        lastError = error;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void setError(String why) {
    lock.lock();
    try {
      lastError = why;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Changes state, then tells the listeners in order (transitions are serialised so that every
   * listener sees them in the order they happened), then wakes {@link #awaitState} waiters: a
   * waiter that returns knows the listeners have run.
   */
  private void transition(BackendState next, String url) {
    synchronized (listeners) {
      boolean notify;
      lock.lock();
      try {
        if (state == BackendState.STOPPED) {
          return;
        }
        notify = state != next;
        state = next;
        loginUrl = url;
      } finally {
        lock.unlock();
      }
      if (notify) {
        for (Consumer<BackendState> l : listeners) {
          try {
            l.accept(next);
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "state listener failed: {0}", e.toString());
          }
        }
      }
      lock.lock();
      try {
        observedState = next;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private boolean awaitCondition(BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long left = timeout.toNanos();
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        if (left <= 0) {
          return false;
        }
        left = changed.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(ControlClient c) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing control client: {0}", e.getMessage());
    }
  }
}
