package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.control.server.EmbeddedRelay;
import io.weft.netstack.NetStack;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.wg.conn.BindFactory;
import io.weft.wg.conn.Binds;
import io.weft.wg.conn.RelayMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 in userspace mode, no root: an embedded coordination server and nodes that join with a
 * pre-auth key and reach each other's netstacks over WireGuard, through joins, a deletion, and the
 * server going away and coming back.
 */
class UserspaceMeshTest {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final byte[] BLOB = new byte[1 << 20];

  static {
    new Random(7).nextBytes(BLOB);
  }

  @TempDir Path dir;
  ControlServer server;
  ControlConfig serverConfig;
  final List<Backend> backends = new ArrayList<>();
  final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable s : servers) {
      s.close();
    }
    for (Backend b : backends) {
      b.close();
    }
    if (server != null) {
      server.close();
    }
  }

  void startServer() throws Exception {
    if (serverConfig == null) {
      server =
          ControlServer.start(
              ControlConfig.defaults(dir.resolve("control")).withAdminToken("admin"));
      // Restarts come back on the same port, as a restarted daemon would.
      serverConfig =
          ControlConfig.defaults(dir.resolve("control"))
              .withAdminToken("admin")
              .withListen(server.listenAddress());
    } else {
      server = ControlServer.start(serverConfig);
    }
  }

  String preAuthKey() {
    return server
        .admin()
        .createPreAuthKey("mesh", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  Backend join(String name, String authKey) throws Exception {
    BackendConfig cfg =
        BackendConfig.userspace(dir.resolve(name), server.url(), authKey, name)
            .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
            .withBackoff(Duration.ofMillis(20), Duration.ofMillis(500));
    Backend b = new Backend(cfg);
    List<BackendState> seen = new CopyOnWriteArrayList<>();
    b.addListener(seen::add);
    backends.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT))
        .as("%s running; %s", name, b.status())
        .isTrue();
    assertThat(seen).startsWith(BackendState.LOGGING_IN).contains(BackendState.RUNNING);
    NetStack stack = stack(b);
    servers.add(serveHttp(stack.listenTcp(80, 8)));
    servers.add(serveEcho(stack.listenTcp(7, 8)));
    return b;
  }

  static NetStack stack(Backend b) {
    return b.netstack().orElseThrow();
  }

  static long id(Backend b) {
    return b.self().id();
  }

  static InetAddress v4(Backend b) {
    return io.weft.agent.engine.Engine.hosts(b.self().addresses()).getFirst();
  }

  static void awaitPeer(Backend on, Backend peer) throws Exception {
    on.awaitMap(m -> m.peers().containsKey(id(peer)), TIMEOUT);
  }

  @Test
  void shouldJoinCarryTrafficAndSurviveJoinsDeletionsAndTheServerGoingAway() throws Exception {
    startServer();
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    awaitPeer(a, b);
    awaitPeer(b, a);
    assertThat(a.self().addresses()).hasSize(2);

    // An HTTP GET from alpha's netstack to a server on bravo's, over the tunnel, checked by hash.
    assertThat(sha256(get(a, b))).isEqualTo(sha256(BLOB));
    // `weft status --json`, parsed back.
    Backend.Status status = Backend.Status.fromJson(a.status().toJson());
    assertThat(status.state()).isEqualTo(BackendState.RUNNING);
    assertThat(status.addresses()).isEqualTo(a.self().addresses());
    assertThat(status.controlConnected()).isTrue();
    Backend.PeerStatus bravo =
        status.peers().stream().filter(p -> p.id() == id(b)).findFirst().orElseThrow();
    assertThat(bravo.addresses()).isEqualTo(b.self().addresses());
    assertThat(bravo.nodeKey()).isEqualTo(b.status().nodeKey());
    assertThat(bravo.lastHandshakeEpochMillis()).isPositive();
    assertThat(bravo.rxBytes()).isGreaterThan(BLOB.length);

    // A third node joining later is reachable, both ways.
    Backend c = join("charlie", key);
    awaitPeer(a, c);
    awaitPeer(c, a);
    assertThat(sha256(get(a, c))).isEqualTo(sha256(BLOB));
    assertThat(stack(c).ping(v4(a), TIMEOUT)).isPositive();

    // The admin deletes charlie: gone from alpha's map and unreachable; charlie is logged out.
    InetAddress charlie = v4(c);
    assertThat(server.registry().delete(id(c))).isTrue();
    a.awaitMap(m -> !m.peers().containsKey(id(c)), TIMEOUT);
    assertThat(a.device().peers()).hasSize(1);
    assertThatThrownBy(() -> stack(a).ping(charlie, Duration.ofMillis(500)))
        .isInstanceOf(SocketTimeoutException.class);
    assertThat(c.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT)).isTrue();
    assertThat(c.device().peers()).isEmpty();

    // The server goes away: a connection opened before keeps flowing, new ones open, the
    // backends keep running on their last map.
    try (TcpConnection held = stack(a).dialTcp(new InetSocketAddress(v4(b), 7), TIMEOUT)) {
      held.setReadTimeout(TIMEOUT);
      assertThat(echo(held, "before")).isEqualTo("before");
      server.close();
      awaitDisconnected(a);
      awaitDisconnected(b);
      assertThat(echo(held, "during")).isEqualTo("during");
      assertThat(sha256(get(b, a))).isEqualTo(sha256(BLOB));
      assertThat(a.state()).isEqualTo(BackendState.RUNNING);

      // The server comes back: the nodes reconnect and a new node is seen and reached.
      startServer();
      awaitConnected(a);
      awaitConnected(b);
      Backend d = join("delta", key);
      awaitPeer(a, d);
      awaitPeer(d, b);
      assertThat(sha256(get(a, d))).isEqualTo(sha256(BLOB));
      assertThat(sha256(get(d, b))).isEqualTo(sha256(BLOB));
      assertThat(echo(held, "after")).isEqualTo("after");
    }
  }

  @Test
  void shouldRotateOneNodesKeyWithoutDisturbingTheOthers() throws Exception {
    startServer();
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    Backend c = join("charlie", key);
    for (Backend n : List.of(a, b, c)) {
      n.awaitMap(m -> m.peers().size() == 2, TIMEOUT);
    }
    try (TcpConnection held = stack(b).dialTcp(new InetSocketAddress(v4(c), 7), TIMEOUT)) {
      held.setReadTimeout(TIMEOUT);
      assertThat(echo(held, "before")).isEqualTo("before");
      assertThat(sha256(get(b, a))).isEqualTo(sha256(BLOB));
      var session = b.device().peer(c.device().publicKey()).currentKeypair();

      String rotated = a.rotateNodeKey().toBase64();
      b.awaitMap(m -> m.peers().get(id(a)).nodeKey().equals(rotated), TIMEOUT);
      c.awaitMap(m -> m.peers().get(id(a)).nodeKey().equals(rotated), TIMEOUT);
      assertThat(a.status().nodeKey()).isEqualTo(rotated);
      assertThat(echo(held, "after")).isEqualTo("after");
      assertThat(b.device().peer(c.device().publicKey()).currentKeypair())
          .as("b-c session untouched")
          .isSameAs(session);
      assertThat(sha256(get(b, a))).isEqualTo(sha256(BLOB));
      assertThat(sha256(get(a, c))).isEqualTo(sha256(BLOB));
    }
    // The rotated key is the one kept: a restart comes back as the same node with it.
    String rotated = a.status().nodeKey();
    long id = id(a);
    a.close();
    Backend again = join("alpha", key);
    assertThat(again.status().nodeKey()).isEqualTo(rotated);
    assertThat(id(again)).isEqualTo(id);
  }

  @Test
  void shouldGiveBothNodesTheEmbeddedRelayMapAndBuildTheNextBindWithIt() throws Exception {
    startServer();
    EmbeddedRelay relay =
        EmbeddedRelay.start(
            EmbeddedRelay.admission(server.registry()),
            dir.resolve("relay.key"),
            new InetSocketAddress("127.0.0.1", 0),
            "127.0.0.1",
            null);
    servers.add(relay);
    server.setRelayMap(relay.relayMap());
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    for (Backend n : List.of(a, b)) {
      NetMap m = n.awaitMap(x -> !x.relayMap().regions().isEmpty(), TIMEOUT);
      assertThat(m.relayMap()).isEqualTo(relay.relayMap());
      assertThat(m.relayMap().regions().getFirst().relays().getFirst().relayPort())
          .isEqualTo(relay.relayAddress().getPort());
    }
    // The bind is built before the control connection: a restart builds it with the stored map.
    a.close();
    List<RelayMap> given = new CopyOnWriteArrayList<>();
    Backend again =
        new Backend(
            BackendConfig.userspace(dir.resolve("alpha"), server.url(), key, "alpha")
                .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
                .withBind(
                    (keys, relays, listener) -> {
                      given.add(relays);
                      return Binds.defaultBind();
                    }));
    backends.add(again);
    again.start();
    assertThat(again.awaitState(BackendState.RUNNING, TIMEOUT)).isTrue();
    assertThat(given).containsExactly(relay.relayMap());
  }

  @Test
  void shouldKeepItsKeysAndAddressesAcrossARestartWithoutSpendingTheKeyAgain() throws Exception {
    startServer();
    String oneOff =
        server
            .admin()
            .createPreAuthKey("mesh", null, false, false, false, List.of(), Duration.ofHours(1))
            .secret();
    Backend a = join("alpha", oneOff);
    List<String> addresses = a.self().addresses();
    String nodeKey = a.status().nodeKey();
    a.close();
    assertThat(a.state()).isEqualTo(BackendState.STOPPED);
    Backend again = join("alpha", oneOff);
    assertThat(again.self().addresses()).isEqualTo(addresses);
    assertThat(again.status().nodeKey()).isEqualTo(nodeKey);
  }

  @Test
  void shouldBuildTheBindFromTheNodesKeysAndReportTheEndpointsItLearns() throws Exception {
    startServer();
    String key = preAuthKey();
    Backend a = join("alpha", key);
    List<BindFactory.NodeKeys> given = new CopyOnWriteArrayList<>();
    InetSocketAddress learned = new InetSocketAddress(InetAddress.ofLiteral("192.0.2.44"), 41641);
    BackendConfig cfg =
        BackendConfig.userspace(dir.resolve("bravo"), server.url(), key, "bravo")
            .withAdvertise(List.of(InetAddress.getLoopbackAddress()))
            .withBind(
                (keys, relays, listener) -> {
                  given.add(keys);
                  assertThat(relays).isEqualTo(RelayMap.EMPTY);
                  listener.localEndpointsChanged(
                      List.of(learned)); // as STUN would, before registration
                  return Binds.defaultBind();
                });
    Backend b = new Backend(cfg);
    backends.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.RUNNING, TIMEOUT)).isTrue();
    assertThat(given).hasSize(1);
    BindFactory.NodeKeys keys = given.getFirst();
    assertThat(keys.nodePublic().toBase64()).isEqualTo(b.status().nodeKey());
    assertThat(keys.toString()).doesNotContain(keys.nodePrivate().toBase64());
    NetMap seen = a.awaitMap(m -> m.peers().containsKey(id(b)), TIMEOUT);
    Node bravo = seen.peers().get(id(b));
    assertThat(bravo.discoPublicKey())
        .as("the disco key the bind got is the one registered")
        .isEqualTo(keys.discoPublic());
    assertThat(bravo.endpointAddresses())
        .as("the bind's endpoint first, then the advertised one")
        .startsWith(learned)
        .contains(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.status().listenPort()));
  }

  @Test
  void shouldLeaveTheMeshOnLogout() throws Exception {
    startServer();
    String key = preAuthKey();
    Backend a = join("alpha", key);
    Backend b = join("bravo", key);
    awaitPeer(b, a);
    assertThat(stack(b).ping(v4(a), TIMEOUT)).isPositive();
    a.logout();
    assertThat(a.state()).isEqualTo(BackendState.NOT_LOGGED_IN);
    assertThat(a.device().peers()).isEmpty();
    b.awaitMap(m -> m.peers().get(id(a)).expired(), TIMEOUT);
    assertThat(b.device().peer(a.device().publicKey())).as("an expired peer is removed").isNull();
    assertThat(a.awaitControlConnected(false, TIMEOUT)).isTrue();
  }

  @Test
  void shouldStayNotLoggedInWhenTheKeyIsRefused() throws Exception {
    startServer();
    Backend b =
        new Backend(BackendConfig.userspace(dir.resolve("x"), server.url(), "not-a-key", "x"));
    backends.add(b);
    b.start();
    assertThat(b.awaitState(BackendState.NOT_LOGGED_IN, TIMEOUT)).isTrue();
    assertThat(b.status().lastError()).contains("unknown pre-auth key");
    assertThat(b.device()).isNull();
  }

  static void awaitDisconnected(Backend b) throws InterruptedException {
    assertThat(b.awaitControlConnected(false, TIMEOUT))
        .as("%s disconnected", b.status().hostname())
        .isTrue();
  }

  static void awaitConnected(Backend b) throws InterruptedException {
    assertThat(b.awaitControlConnected(true, TIMEOUT))
        .as("%s reconnected; %s", b.status().hostname(), b.status())
        .isTrue();
  }

  // ---- traffic ----

  static byte[] get(Backend from, Backend to) throws IOException {
    try (TcpConnection c = stack(from).dialTcp(new InetSocketAddress(v4(to), 80), TIMEOUT)) {
      c.setReadTimeout(TIMEOUT);
      OutputStream o = c.outputStream();
      o.write(
          "GET /blob HTTP/1.1\r\nHost: peer\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      c.shutdownOutput();
      byte[] all = c.inputStream().readAllBytes();
      String head = new String(all, 0, Math.min(all.length, 256), StandardCharsets.US_ASCII);
      int end = head.indexOf("\r\n\r\n");
      assertThat(head).startsWith("HTTP/1.1 200");
      return Arrays.copyOfRange(all, end + 4, all.length);
    }
  }

  static String echo(TcpConnection c, String line) throws IOException {
    OutputStream o = c.outputStream();
    o.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    o.flush();
    InputStream in = c.inputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int ch = in.read(); ch != '\n'; ch = in.read()) {
      if (ch < 0) {
        throw new IOException("echo connection closed");
      }
      got.write(ch);
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  static AutoCloseable serveHttp(TcpServer listener) {
    return serve(
        listener,
        c -> {
          InputStream in = c.inputStream();
          ByteArrayOutputStream head = new ByteArrayOutputStream();
          while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int ch = in.read();
            if (ch < 0) {
              return;
            }
            head.write(ch);
          }
          OutputStream o = c.outputStream();
          o.write(
              ("HTTP/1.1 200 OK\r\nContent-Length: "
                      + BLOB.length
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          o.write(BLOB);
          o.flush();
          c.shutdownOutput();
          in.readAllBytes();
        });
  }

  static AutoCloseable serveEcho(TcpServer listener) {
    return serve(listener, c -> c.inputStream().transferTo(c.outputStream()));
  }

  interface Handler {
    void handle(TcpConnection c) throws IOException;
  }

  static AutoCloseable serve(TcpServer listener, Handler h) {
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (true) {
                    TcpConnection c;
                    try {
                      c = listener.accept();
                    } catch (IOException e) {
                      return;
                    }
                    Thread.ofVirtual()
                        .start(
                            () -> {
                              try (c) {
                                c.setReadTimeout(TIMEOUT);
                                h.handle(c);
                              } catch (IOException e) {
                                // The client's assertions report what went wrong.
                              }
                            });
                  }
                });
    return () -> {
      listener.close();
      t.interrupt();
    };
  }

  static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
