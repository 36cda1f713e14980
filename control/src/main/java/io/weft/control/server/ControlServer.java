package io.weft.control.server;

import io.netty.handler.ssl.SslContext;
import io.weft.control.admin.AdminApi;
import io.weft.control.http.HttpRequest;
import io.weft.control.http.HttpResponse;
import io.weft.control.http.HttpServer;
import io.weft.control.noise.CipherPair;
import io.weft.control.noise.HandshakeException;
import io.weft.control.noise.NoiseIk;
import io.weft.control.noise.NoiseStream;
import io.weft.control.oidc.OidcLogin;
import io.weft.control.protocol.FilterRule;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Protocol;
import io.weft.control.store.Database;
import io.weft.control.store.Nodes;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordination server: storage, the HTTP endpoints ({@code GET /key}, the Noise upgrade at
 * {@code /weft/control}, OIDC login pages, the admin API) and the periodic key-expiry sweep.
 */
public final class ControlServer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());

  private final ControlConfig config;
  private final SecureRandom random = new SecureRandom();
  private final NoisePrivateKey key;
  private final Database db;
  private final MapBroker broker;
  private final NodeRegistry registry;
  private final io.weft.control.flowlogs.FlowLogs flowLogs;
  private final ScheduledExecutorService scheduler;
  private final OidcLogin oidc;
  private final AdminApi admin;
  private final HttpServer http;
  private final String publicUrl;
  private final TransportConfig transport;
  private final AtomicLong droppedSessions = new AtomicLong();

  private ControlServer(ControlConfig config, TransportConfig transport)
      throws IOException, SQLException {
    this.config = config;
    this.transport = transport;
    SslContext tls =
        transport.tlsCert() == null
            ? null
            : HttpServer.tlsFromPem(transport.tlsCert(), transport.tlsKey());
    this.key = ServerKey.loadOrCreate(config.keyFile(), random);
    this.db = Database.open(config.jdbcUrl(), config.dbUser(), config.dbPassword());
    int wasOnline = db.inTransaction(Nodes::markAllOffline);
    if (wasOnline > 0) {
      LOG.log(Level.INFO, "marked {0} nodes offline after restart", wasOnline);
    }
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("weft-control-timer").daemon().factory());
    NodeRegistry[] holder = new NodeRegistry[1];
    this.broker = new MapBroker(id -> holder[0].load(id), random);
    this.registry = new NodeRegistry(db, broker, config, scheduler);
    holder[0] = registry;
    this.flowLogs = new io.weft.control.flowlogs.FlowLogs(db, config.clock());
    this.admin = new AdminApi(db, registry, config.adminToken(), config.clock(), random);
    HttpServer server;
    try {
      server =
          new HttpServer(config.listen(), this::route, this::maxBodyBytes, transport.http(), tls);
    } catch (IOException e) {
      scheduler.shutdownNow();
      db.close();
      throw e;
    }
    this.http = server;
    this.publicUrl =
        config.publicUrl() != null
            ? config.publicUrl()
            : (tls != null ? "https://" : "http://")
                + server.address().getHostString()
                + ":"
                + server.address().getPort();
    this.oidc =
        config.oidc() == null
            ? null
            : new OidcLogin(config.oidc(), publicUrl, registry, random, config.clock());
    if (oidc != null) {
      registry.setLoginStarter(oidc::begin);
    }
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            broker.sweepExpired(config.clock().millis());
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "key-expiry sweep failed", e);
          }
        },
        30,
        30,
        TimeUnit.SECONDS);
    LOG.log(
        Level.INFO, "control server listening on {0}, public key {1}", publicUrl, key.publicKey());
  }

  /** Starts a server with {@code config}. */
  public static ControlServer start(ControlConfig config) throws IOException, SQLException {
    return new ControlServer(config, TransportConfig.defaults());
  }

  /** Starts a server with {@code config}, meeting the network as {@code transport} says. */
  public static ControlServer start(ControlConfig config, TransportConfig transport)
      throws IOException, SQLException {
    return new ControlServer(config, transport);
  }

  /** The URL nodes use. */
  public URI url() {
    return URI.create(publicUrl);
  }

  /** The address the server is bound to. */
  public InetSocketAddress listenAddress() {
    return http.address();
  }

  /** The server's public key (what {@code GET /key} serves). */
  public NoisePublicKey publicKey() {
    return key.publicKey();
  }

  /**
   * Sets each node's packet filter ({@link FilterRule}s, sent in its full maps from now on; a
   * stream already open keeps its filter until it reconnects). The default is allow-all; this is
   * the seam for the policy compiler, and for tests.
   */
  public void setPacketFilters(java.util.function.Function<Node, List<FilterRule>> filters) {
    broker.setPacketFilters(filters);
  }

  /**
   * Sets the relay map sent in every full map from now on (Tailscale's {@code DERPMap} shape; null
   * for none). A stream already open gets it when it next receives a full map.
   */
  public void setRelayMap(io.weft.wg.conn.RelayMap map) {
    broker.setRelayMap(map);
  }

  /** The node registry (approve, expire, rename, delete). */
  public NodeRegistry registry() {
    return registry;
  }

  /** Interactive login, or null when not configured. */
  public OidcLogin oidc() {
    return oidc;
  }

  /** The admin API. */
  public AdminApi admin() {
    return admin;
  }

  /** The flow-log collector (issue 18). */
  public io.weft.control.flowlogs.FlowLogs flowLogs() {
    return flowLogs;
  }

  /** The database. */
  public Database database() {
    return db;
  }

  /** Runs the key-expiry sweep now; returns how many keys were newly marked expired. */
  public int sweepExpiredKeys() {
    return broker.sweepExpired(config.clock().millis());
  }

  /** The map streams attached in a domain (for tests and benchmarks). */
  public int streamCount(long domainId) {
    return broker.streamCount(domainId);
  }

  /**
   * Attaches {@code sink} as node {@code nodeId}'s map stream, as a network subscription would (a
   * full map, then deltas) but without marking the node online. For benchmarks that stand in for
   * thousands of connections. Returns false if there is no such node.
   */
  public boolean attachStream(long nodeId, MapStream sink) {
    return db.inTransaction(c -> Nodes.byId(c, nodeId))
        .map(
            n ->
                broker.inDomain(
                    n.domainId(),
                    d -> {
                      d.attach(nodeId, sink, null, -1);
                      return true;
                    }))
        .orElse(false);
  }

  /** The HTTP server's counters (connections, refusals, malformed requests, timeouts). */
  public HttpServer http() {
    return http;
  }

  /**
   * Control channels dropped for a protocol violation, an over-limit message or a missed deadline.
   */
  public long droppedSessions() {
    return droppedSessions.get();
  }

  /** Only a request bearing the admin token may send a large body; others get a small cap. */
  private int maxBodyBytes(HttpRequest head) {
    String token = config.adminToken();
    String offered = head.bearerToken();
    if (token != null
        && offered != null
        && head.path().startsWith("/admin/")
        && MessageDigest.isEqual(
            token.getBytes(StandardCharsets.UTF_8), offered.getBytes(StandardCharsets.UTF_8))) {
      return transport.http().maxBodyBytes();
    }
    return transport.http().maxUnauthenticatedBodyBytes();
  }

  private HttpResponse route(HttpRequest req) throws Exception {
    String path = req.path();
    if (path.equals(Protocol.KEY_PATH)) {
      if (!req.method().equals("GET")) {
        return HttpResponse.error(405, "use GET");
      }
      return HttpResponse.json(
          200,
          Map.of("publicKey", key.publicKey().toBase64(), "protocolVersion", Protocol.VERSION));
    }
    if (path.equals(Protocol.CONTROL_PATH)) {
      return upgrade(req);
    }
    if (path.startsWith("/admin/")) {
      return admin.handle(req);
    }
    if (oidc != null
        && (path.startsWith(OidcLogin.LOGIN_PATH) || path.equals(OidcLogin.CALLBACK_PATH))) {
      return oidc.handle(req);
    }
    return HttpResponse.error(
        404, "no such endpoint: " + (path.length() > 100 ? path.substring(0, 100) : path));
  }

  private HttpResponse upgrade(HttpRequest req) {
    if (!req.method().equals("POST") && !req.method().equals("GET")) {
      return HttpResponse.error(405, "use POST with Upgrade: " + Protocol.UPGRADE_TOKEN);
    }
    String upgrade = req.header("upgrade");
    if (upgrade == null || !upgrade.equalsIgnoreCase(Protocol.UPGRADE_TOKEN)) {
      return HttpResponse.error(426, "Upgrade: " + Protocol.UPGRADE_TOKEN + " required")
          .header("Upgrade", Protocol.UPGRADE_TOKEN);
    }
    String hs = req.header(Protocol.HANDSHAKE_HEADER);
    if (hs == null) {
      return HttpResponse.error(400, Protocol.HANDSHAKE_HEADER + " header required");
    }
    byte[] initiation;
    try {
      initiation = Base64.getDecoder().decode(hs);
    } catch (IllegalArgumentException e) {
      return HttpResponse.error(400, Protocol.HANDSHAKE_HEADER + " is not base64");
    }
    NoiseIk noise = NoiseIk.responder(key, Protocol.prologue(), random);
    try {
      noise.readInitiation(initiation);
    } catch (HandshakeException e) {
      return HttpResponse.error(401, "handshake failed: " + e.getMessage());
    }
    String machineKey = noise.remoteStatic().toBase64();
    byte[] response = noise.writeResponse(new byte[0]);
    CipherPair ciphers = noise.split();
    return HttpResponse.upgrade(
        Protocol.UPGRADE_TOKEN,
        (in, out) -> {
          out.write(response);
          out.flush();
          NoiseStream stream = new NoiseStream(ciphers, in, out);
          new ControlSession(
                  stream,
                  machineKey,
                  registry,
                  config.keepAlive().toNanos(),
                  req.remote() == null ? null : req.remote().getAddress(),
                  transport,
                  scheduler,
                  droppedSessions,
                  flowLogs)
              .run();
        });
  }

  @Override
  public void close() {
    http.close();
    scheduler.shutdownNow();
    db.close();
  }
}
