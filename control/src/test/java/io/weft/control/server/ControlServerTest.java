package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.control.admin.AdminApi;
import io.weft.control.client.ControlClient;
import io.weft.control.client.ControlException;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.RegisterStatus;
import io.weft.wg.key.NoisePrivateKey;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlServerTest {
  @TempDir Path dir;
  ControlServer server;
  final List<TestNode> nodes = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server =
        ControlServer.start(
            ControlConfig.defaults(dir)
                .withAdminToken("admin-secret")
                .withEphemeralGrace(Duration.ZERO));
  }

  @AfterEach
  void stop() throws Exception {
    for (TestNode n : nodes) {
      n.close();
    }
    server.close();
  }

  String key(String domain, boolean reusable, boolean ephemeral) {
    return server
        .admin()
        .createPreAuthKey(domain, null, reusable, ephemeral, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  TestNode join(String name, String authKey) throws Exception {
    TestNode n = new TestNode(name, "127.0.0.1:" + (40000 + nodes.size()));
    nodes.add(n);
    n.connect(server);
    assertThat(n.register(authKey).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    n.client.subscribe();
    return n;
  }

  static Set<Long> peerIds(NetMap m) {
    return m.peers().keySet();
  }

  @Test
  void shouldServeItsPublicKeyAtTheWellKnownUrl() throws Exception {
    assertThat(ControlClient.fetchServerKey(server.url())).isEqualTo(server.publicKey());
  }

  @Test
  void shouldSendAFullMapThenAddPeersAsDeltas() throws Exception {
    String k = key("acme", true, false);
    TestNode a = join("a", k);
    NetMap first = a.client.awaitMap(m -> m.self() != null, TIMEOUT);
    assertThat(first.self().addresses()).containsExactly("100.64.0.1/32", "fd7a:115c:a1e0::1/128");
    assertThat(first.self().nodeKey()).isEqualTo(a.node.publicKey().toBase64());
    assertThat(first.peers()).isEmpty();
    TestNode b = join("b", k);
    NetMap withB = a.client.awaitMap(m -> m.peers().containsKey(b.id()), TIMEOUT);
    Node peer = withB.peers().get(b.id());
    assertThat(peer.nodeKey()).isEqualTo(b.node.publicKey().toBase64());
    assertThat(peer.discoKey()).isEqualTo(b.disco.publicKey().toBase64());
    assertThat(peer.endpoints()).isEqualTo(b.endpoints);
    assertThat(peer.keyExpiry())
        .isGreaterThan(System.currentTimeMillis() + Duration.ofDays(179).toMillis());
    a.client.awaitMap(
        m -> m.peers().containsKey(b.id()) && m.peers().get(b.id()).online(), TIMEOUT);
    assertThat(a.client.mapMessageCounts()[1]).as("full maps").isEqualTo(1);
  }

  @Test
  void shouldOnlyEverShowNodesOfTheSameDomain() throws Exception {
    TestNode a1 = join("a1", key("a", true, false));
    TestNode b1 = join("b1", key("b", true, false));
    TestNode a2 = join("a2", key("a", true, false));
    TestNode b2 = join("b2", key("b", true, false));
    assertThat(peerIds(a1.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT)))
        .containsExactly(a2.id());
    assertThat(peerIds(b1.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT)))
        .containsExactly(b2.id());
    // A later change in domain b reaches b1 and never a1.
    b2.client.updateHostInfo(null, new HostInfo("b2", "linux", List.of("127.0.0.1:9")), TIMEOUT);
    b1.client.awaitMap(
        m -> m.peers().get(b2.id()).endpoints().equals(List.of("127.0.0.1:9")), TIMEOUT);
    assertThat(peerIds(a1.client.netMap())).containsExactly(a2.id());
  }

  @Test
  void shouldDeliverAKeyRotationAndAnEndpointChangeToEveryPeer() throws Exception {
    String k = key("rot", true, false);
    List<TestNode> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      all.add(join("n" + i, k));
    }
    for (TestNode n : all) {
      n.client.awaitMap(m -> m.peers().size() == 11, TIMEOUT);
    }
    TestNode subject = all.get(0);
    String newKey = subject.rotateNodeKey().toBase64();
    subject.client.updateHostInfo(
        null, new HostInfo("n0", "linux", List.of("127.0.0.1:5555", "[::1]:5555")), TIMEOUT);
    for (TestNode n : all.subList(1, all.size())) {
      n.client.awaitMap(
          m -> {
            Node p = m.peers().get(subject.id());
            return p.nodeKey().equals(newKey)
                && p.endpoints().equals(List.of("127.0.0.1:5555", "[::1]:5555"));
          },
          TIMEOUT);
      assertThat(n.client.mapMessageCounts()[1]).as("no full map resent").isEqualTo(1);
    }
    assertThat(
            subject
                .client
                .awaitMap(m -> m.self() != null && m.self().nodeKey().equals(newKey), TIMEOUT)
                .self()
                .addresses())
        .isEqualTo(subject.registration.self().addresses());
  }

  @Test
  void shouldRefuseARotationThatDoesNotNameTheCurrentKey() throws Exception {
    TestNode a = join("a", key("d", true, false));
    Message.RegisterResult r =
        a.client.register(
            NoisePrivateKey.generate(new SecureRandom()).publicKey(),
            null,
            a.disco.publicKey(),
            new HostInfo("a", "linux", List.of()),
            null,
            TIMEOUT);
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(r.reason()).contains("oldNodeKey");
  }

  @Test
  void shouldMarkPeersOnlineAndOffline() throws Exception {
    String k = key("on", true, false);
    TestNode a = join("a", k);
    TestNode b = join("b", k);
    a.client.awaitMap(
        m -> m.peers().containsKey(b.id()) && m.peers().get(b.id()).online(), TIMEOUT);
    b.close();
    a.client.awaitMap(m -> !m.peers().get(b.id()).online(), TIMEOUT);
  }

  @Test
  void shouldRemoveAnEphemeralNodeAfterItGoesOffline() throws Exception {
    TestNode a = join("a", key("eph", true, false));
    TestNode e = join("e", key("eph", false, true));
    // Online: e's stream is attached (its subscribe is fire-and-forget; closing before the server
    // has read it may reset the connection and lose it).
    a.client.awaitMap(
        m -> m.peers().containsKey(e.id()) && m.peers().get(e.id()).online(), TIMEOUT);
    e.close();
    a.client.awaitMap(m -> !m.peers().containsKey(e.id()), TIMEOUT);
    assertThat(server.registry().nodes()).extracting(n -> n.id()).containsExactly(a.id());
  }

  /** A clock the test moves by hand. */
  static final class ManualClock extends java.time.Clock {
    private volatile java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  @Test
  void shouldUseAOneOffKeyOnceAndRefuseExpiredAndRevokedKeys() throws Exception {
    server.close();
    ManualClock clock = new ManualClock();
    server =
        ControlServer.start(
            ControlConfig.defaults(dir)
                .withAdminToken("admin-secret")
                .withEphemeralGrace(Duration.ZERO)
                .withClock(clock));
    String once = key("k", false, false);
    join("first", once);
    TestNode second = new TestNode("second", "127.0.0.1:1").connect(server);
    nodes.add(second);
    assertThat(second.register(once).reason()).isEqualTo("one-off pre-auth key already used");
    AdminApi.CreatedKey revoked =
        server
            .admin()
            .createPreAuthKey("k", null, true, false, false, List.of(), Duration.ofHours(1));
    server.admin().revokePreAuthKey(revoked.key().id());
    assertThat(second.register(revoked.secret()).reason()).isEqualTo("pre-auth key revoked");
    String expired =
        server
            .admin()
            .createPreAuthKey("k", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    clock.advance(Duration.ofHours(2));
    Message.RegisterResult r = second.register(expired);
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(r.reason()).isEqualTo("pre-auth key expired");
    assertThat(second.register("weft-auth-nonsense").reason()).isEqualTo("unknown pre-auth key");
    assertThat(second.register(null).reason()).contains("interactive login is not configured");
  }

  @Test
  void shouldKeepAnUnapprovedNodeFromAnyPeerUntilAnAdminApproves() throws Exception {
    server.close();
    server = ControlServer.start(ControlConfig.defaults(dir).withRequireApproval(true));
    String preApproved =
        server
            .admin()
            .createPreAuthKey("ap", null, true, false, true, List.of(), Duration.ofHours(1))
            .secret();
    String plain =
        server
            .admin()
            .createPreAuthKey("ap", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    TestNode a = join("a", preApproved);
    TestNode b = join("b", plain);
    NetMap bMap = b.client.awaitMap(m -> m.self() != null, TIMEOUT);
    assertThat(bMap.self().approved()).isFalse();
    assertThat(bMap.peers()).isEmpty();
    assertThat(a.client.awaitMap(m -> m.self() != null, TIMEOUT).peers()).isEmpty();
    assertThat(server.registry().approve(b.id())).isTrue();
    assertThat(peerIds(b.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT)))
        .containsExactly(a.id());
    assertThat(peerIds(a.client.awaitMap(m -> m.peers().size() == 1, TIMEOUT)))
        .containsExactly(b.id());
  }

  @Test
  void shouldTellPeersAboutExpiryAndDeletion() throws Exception {
    String k = key("adm", true, false);
    TestNode a = join("a", k);
    TestNode b = join("b", k);
    a.client.awaitMap(m -> m.peers().containsKey(b.id()), TIMEOUT);
    assertThat(server.registry().expire(b.id())).isTrue();
    a.client.awaitMap(
        m -> m.peers().containsKey(b.id()) && m.peers().get(b.id()).expired(), TIMEOUT);
    assertThat(b.client.awaitMap(m -> m.self() != null && m.self().expired(), TIMEOUT).peers())
        .isEmpty();
    assertThat(server.registry().rename(a.id(), "alpha")).isTrue();
    b.client.awaitMap(m -> m.self() != null && m.self().expired(), TIMEOUT);
    assertThat(server.registry().delete(b.id())).isTrue();
    a.client.awaitMap(m -> !m.peers().containsKey(b.id()), TIMEOUT);
    assertThat(b.client.closed().get()).contains("node removed");
  }

  @Test
  void shouldResumeWithOnlyTheMissedDeltasAfterAReconnect() throws Exception {
    String k = key("re", true, false);
    TestNode a = join("a", k);
    TestNode b = join("b", k);
    a.client.awaitMap(
        m -> m.peers().containsKey(b.id()) && m.peers().get(b.id()).online(), TIMEOUT);
    NetMap kept = a.client.netMap();
    a.client.close();
    b.client.updateHostInfo(null, new HostInfo("b", "linux", List.of("127.0.0.1:7777")), TIMEOUT);
    a.connect(server, kept);
    a.client.subscribe();
    a.client.awaitMap(
        m -> m.peers().get(b.id()).endpoints().equals(List.of("127.0.0.1:7777")), TIMEOUT);
    assertThat(a.client.mapMessageCounts()[1]).as("full maps after resume").isZero();
  }

  @Test
  void shouldSendAFullMapWhenAReconnectCannotResume() throws Exception {
    String k = key("re2", true, false);
    TestNode a = join("a", k);
    a.client.awaitMap(m -> m.self() != null, TIMEOUT);
    NetMap kept = a.client.netMap();
    String oldEpoch = kept.epoch();
    a.client.close();
    server.close();
    server = ControlServer.start(ControlConfig.defaults(dir));
    a.connect(server, kept);
    a.client.subscribe();
    a.client.awaitMap(m -> !oldEpoch.equals(m.epoch()), TIMEOUT);
    assertThat(a.client.mapMessageCounts()[1]).isEqualTo(1);
  }

  @Test
  void shouldKeepAllStateAcrossARestartOnTheSameSqliteFile() throws Exception {
    String k = key("persist", true, false);
    TestNode a = join("a", k);
    TestNode b = join("b", k);
    a.client.awaitMap(m -> m.peers().containsKey(b.id()), TIMEOUT);
    var before = server.registry().nodes();
    var keyBefore = server.publicKey();
    a.close();
    b.close();
    server.close();
    server = ControlServer.start(ControlConfig.defaults(dir));
    assertThat(server.publicKey()).isEqualTo(keyBefore);
    var after = server.registry().nodes();
    assertThat(after)
        .extracting(n -> n.machineKey() + n.nodeKey() + n.ipv4() + n.ipv6() + n.domainId())
        .containsExactlyElementsOf(
            before.stream()
                .map(n -> n.machineKey() + n.nodeKey() + n.ipv4() + n.ipv6() + n.domainId())
                .collect(Collectors.toList()));
    assertThat(after).allMatch(n -> !n.online());
    // The reusable key still works, and the node re-registers with its old addresses.
    a.connect(server);
    assertThat(a.register(null).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    assertThat(a.registration.self().addresses())
        .containsExactly("100.64.0.1/32", "fd7a:115c:a1e0::1/128");
    a.client.subscribe();
    assertThat(peerIds(a.client.awaitMap(m -> m.self() != null, TIMEOUT))).containsExactly(b.id());
    TestNode c = join("c", k);
    assertThat(c.registration.self().addresses())
        .containsExactly("100.64.0.3/32", "fd7a:115c:a1e0::3/128");
  }

  @Test
  void shouldAnswerBadRequestsWithA4xxAndKeepServing() throws Exception {
    URI url = server.url();
    try (HttpClient http = HttpClient.newHttpClient()) {
      assertThat(
              http.send(
                      HttpRequest.newBuilder(url.resolve("/weft/control")).GET().build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(426);
      HttpResponse<String> bad =
          http.send(
              HttpRequest.newBuilder(url.resolve("/nope")).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(404);
      assertThat(bad.body()).contains("no such endpoint");
    }
    for (String raw :
        List.of(
            "GARBAGE\r\n\r\n",
            "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            "POST /weft/control HTTP/1.1\r\nUpgrade: weft-control-v1\r\nWeft-Handshake: AAAA\r\n\r\n",
            "POST /weft/control HTTP/1.1\r\nUpgrade: weft-control-v1\r\nWeft-Handshake: !!!\r\n\r\n",
            "POST /x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")) {
      try (Socket s = new Socket(url.getHost(), url.getPort())) {
        OutputStream out = s.getOutputStream();
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        String status = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
        assertThat(status).as(raw).matches("HTTP/1.1 4\\d\\d");
      }
    }
    // A client with the wrong server key cannot connect.
    NoisePrivateKey wrong = NoisePrivateKey.generate(new SecureRandom());
    assertThatThrownBy(
            () ->
                ControlClient.connect(
                    url, NoisePrivateKey.generate(new SecureRandom()), wrong.publicKey()))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("401");
    // And everyone else is still served.
    TestNode ok = join("ok", key("still", true, false));
    assertThat(ok.client.awaitMap(m -> m.self() != null, TIMEOUT).self()).isNotNull();
  }

  @Test
  void shouldRejectAMalformedMessageOnTheChannelAndKeepServing() throws Exception {
    TestNode a = join("a", key("m", true, false));
    Message.RegisterResult r =
        a.client.register(
            a.node.publicKey(),
            null,
            a.disco.publicKey(),
            new HostInfo("a", "linux", List.of("not an endpoint")),
            null,
            TIMEOUT);
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(r.reason()).contains("endpoint");
    assertThatThrownBy(
            () ->
                a.client.updateHostInfo(
                    null, new HostInfo("a", "linux", List.of("x".repeat(100))), TIMEOUT))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("400");
    assertThat(a.client.closed()).isNotDone();
  }

  @Test
  void shouldLogOutByExpiringTheNodeKey() throws Exception {
    String k = key("lo", true, false);
    TestNode a = join("a", k);
    TestNode b = join("b", k);
    a.client.awaitMap(m -> m.peers().containsKey(b.id()), TIMEOUT);
    b.client.logout(TIMEOUT);
    a.client.awaitMap(
        m -> m.peers().containsKey(b.id()) && m.peers().get(b.id()).expired(), TIMEOUT);
    b.connect(server);
    assertThat(b.register(null).status()).isEqualTo(RegisterStatus.REJECTED);
  }
}
