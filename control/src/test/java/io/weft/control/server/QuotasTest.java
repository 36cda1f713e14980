package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.control.admin.AdminApi;
import io.weft.control.client.ControlException;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.Node;
import io.weft.control.protocol.Protocol;
import io.weft.control.protocol.RegisterStatus;
import io.weft.control.store.PreAuthKeyRecord;
import io.weft.control.store.PreAuthKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one key holder or one node can consume: endpoints, nodes, updates, map size, key guesses.
 */
class QuotasTest {
  @TempDir Path dir;
  final ManualClock clock = new ManualClock();
  ControlServer server;
  final List<TestNode> nodes = new ArrayList<>();

  void start(Quotas quotas) throws Exception {
    server = ControlServer.start(ControlConfig.defaults(dir).withClock(clock).withQuotas(quotas));
  }

  @AfterEach
  void stop() throws Exception {
    for (TestNode n : nodes) {
      n.close();
    }
    if (server != null) {
      server.close();
    }
  }

  String key(String domain) {
    return server
        .admin()
        .createPreAuthKey(domain, null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  TestNode connect(String name, String endpoint) throws Exception {
    TestNode n = new TestNode(name, endpoint);
    nodes.add(n);
    return n.connect(server);
  }

  Message.RegisterResult register(TestNode n, List<String> endpoints, String authKey)
      throws Exception {
    return n.client.register(
        n.node.publicKey(),
        null,
        n.disco.publicKey(),
        new HostInfo(n.hostname, "linux", endpoints),
        authKey,
        TIMEOUT);
  }

  @Test
  void shouldAcceptOnlyLiteralIpPortEndpoints() throws Exception {
    start(Quotas.defaults());
    String k = key("ep");
    TestNode n = connect("n", "192.0.2.1:1");
    List<List<String>> bad =
        List.of(
            List.of("192.0.2.1:1\u001b[2J"),
            List.of("\u0001".repeat(40)),
            List.of("example.com:80"),
            List.of("192.0.2.1"),
            List.of("192.0.2.1:0"),
            List.of("192.0.2.1:65536"),
            List.of("256.0.0.1:1"),
            List.of("[fe80::1%eth0]:1"),
            List.of("[::1]"),
            List.of("01.2.3.4:5"),
            List.of(" 1.2.3.4:5"),
            List.of("[" + "1:".repeat(30) + "1]:1"),
            IntStream.range(0, Endpoints.MAX + 1).mapToObj(i -> "192.0.2.1:" + (i + 1)).toList());
    for (List<String> endpoints : bad) {
      Message.RegisterResult r = register(n, endpoints, k);
      assertThat(r.status()).as("%s", endpoints).isEqualTo(RegisterStatus.REJECTED);
      assertThat(r.reason()).doesNotContain("\u001b").doesNotContain("\u0001");
    }
    assertThat(server.registry().nodes()).isEmpty();
    Message.RegisterResult ok =
        register(
            n,
            List.of(
                "192.0.2.1:41641",
                "[2001:db8::1]:41641",
                "[::ffff:192.0.2.1]:2",
                "192.0.2.1:41641"),
            k);
    assertThat(ok.status()).as(ok.reason()).isEqualTo(RegisterStatus.AUTHORIZED);
    assertThat(ok.self().endpoints())
        .containsExactly("192.0.2.1:41641", "[2001:db8::1]:41641", "[::ffff:192.0.2.1]:2");
    assertThatThrownBy(
            () ->
                n.client.updateHostInfo(
                    null, new HostInfo("n", "linux", List.of("x\n:1")), TIMEOUT))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("IP:port");
  }

  @Test
  void shouldLimitNodesPerKeyAndPerDomainWithoutTouchingOtherDomains() throws Exception {
    start(Quotas.defaults().withMaxNodesPerKey(2).withMaxNodesPerDomain(3));
    String k1 = key("tenant");
    String k2 = key("tenant");
    assertThat(register(connect("a", "192.0.2.1:1"), List.of(), k1).status())
        .isEqualTo(RegisterStatus.AUTHORIZED);
    TestNode b = connect("b", "192.0.2.1:2");
    assertThat(register(b, List.of(), k1).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    Message.RegisterResult third = register(connect("c", "192.0.2.1:3"), List.of(), k1);
    assertThat(third.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(third.reason()).contains("pre-auth key already registered 2 nodes");
    // A node registering again with its key is not a new node.
    assertThat(register(b, List.of("192.0.2.1:9"), k1).status())
        .isEqualTo(RegisterStatus.AUTHORIZED);
    assertThat(register(connect("d", "192.0.2.1:4"), List.of(), k2).status())
        .isEqualTo(RegisterStatus.AUTHORIZED);
    Message.RegisterResult full = register(connect("e", "192.0.2.1:5"), List.of(), k2);
    assertThat(full.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(full.reason()).contains("domain is full");
    // Another tenant is not affected by this one's use.
    assertThat(register(connect("f", "192.0.2.1:6"), List.of(), key("other")).status())
        .isEqualTo(RegisterStatus.AUTHORIZED);
    assertThat(server.registry().nodes()).hasSize(4);
  }

  @Test
  void shouldCoalesceAHostInfoFloodIntoBoundedWritesAndFanOuts() throws Exception {
    Quotas q = Quotas.defaults().withUpdates(5, Duration.ofSeconds(1));
    start(q);
    String k = key("flood");
    TestNode flooder = connect("flooder", "192.0.2.1:1");
    Message.RegisterResult registered = register(flooder, List.of(), k);
    assertThat(registered.status()).isEqualTo(RegisterStatus.AUTHORIZED);
    TestNode peer = connect("peer", "192.0.2.1:2");
    assertThat(register(peer, List.of(), k).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    peer.client.subscribe();
    long flooderId = registered.self().id();
    peer.client.awaitMap(m -> m.peers().containsKey(flooderId), TIMEOUT);
    long writesBefore = server.registry().hostInfoWrites.get();
    long messagesBefore = peer.client.mapMessageCounts()[0];
    int flood = 1_000;
    long started = System.nanoTime();
    for (int i = 0; i < flood; i++) {
      flooder.client.updateHostInfo(
          null, new HostInfo("flooder", "linux", List.of("192.0.2.1:" + (10_000 + i))), TIMEOUT);
    }
    long elapsedSeconds = (System.nanoTime() - started) / 1_000_000_000L;
    // The last update arrives (coalesced), although the test's clock never moved.
    String last = "192.0.2.1:" + (10_000 + flood - 1);
    peer.client.awaitMap(m -> m.peers().get(flooderId).endpoints().equals(List.of(last)), TIMEOUT);
    long writes = server.registry().hostInfoWrites.get() - writesBefore;
    long fanOuts = peer.client.mapMessageCounts()[0] - messagesBefore;
    // The burst, then one coalesced write per scheduled flush (at most one per real second).
    long bound = q.updateBurst() + elapsedSeconds + 3;
    assertThat(writes)
        .as("writes for %d updates in %d s", flood, elapsedSeconds)
        .isLessThanOrEqualTo(bound);
    assertThat(fanOuts).as("deltas to the peer").isLessThanOrEqualTo(bound);
    // Once the interval has passed on the clock, an update is written at once again.
    clock.advance(q.updateInterval().multipliedBy(q.updateBurst()));
    long before = server.registry().hostInfoWrites.get();
    flooder.client.updateHostInfo(
        null, new HostInfo("flooder", "linux", List.of("192.0.2.1:7")), TIMEOUT);
    assertThat(server.registry().hostInfoWrites.get()).isEqualTo(before + 1);
  }

  @Test
  void shouldCoalesceAReconnectFloodIntoBoundedOnlineChanges() throws Exception {
    Quotas q = Quotas.defaults().withUpdates(3, Duration.ofSeconds(1));
    start(q);
    String k = key("churn");
    TestNode churner = connect("churner", "192.0.2.1:1");
    Message.RegisterResult registered = register(churner, List.of(), k);
    long churnerId = registered.self().id();
    TestNode peer = connect("peer", "192.0.2.1:2");
    assertThat(register(peer, List.of(), k).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    peer.client.subscribe();
    peer.client.awaitMap(m -> m.peers().containsKey(churnerId), TIMEOUT);
    churner.close();
    long messagesBefore = peer.client.mapMessageCounts()[0];
    int reconnects = 40;
    long started = System.nanoTime();
    for (int i = 0; i < reconnects; i++) {
      churner.connect(server);
      churner.client.subscribe();
      churner.client.awaitMap(m -> m.self() != null, TIMEOUT);
      churner.close();
    }
    long elapsedSeconds = (System.nanoTime() - started) / 1_000_000_000L;
    // The last state (offline) is published, although the test's clock never moved.
    peer.client.awaitMap(m -> !m.peers().get(churnerId).online(), TIMEOUT);
    long fanOuts = peer.client.mapMessageCounts()[0] - messagesBefore;
    assertThat(fanOuts)
        .as("deltas to the peer for %d reconnects in %d s", reconnects, elapsedSeconds)
        .isLessThanOrEqualTo(q.updateBurst() + elapsedSeconds + 3);
  }

  /** A node with every field at the longest the server lets it have. */
  static Node longestNode(long id) {
    String key = "A".repeat(43) + "=";
    List<String> endpoints =
        Collections.nCopies(Endpoints.MAX, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    List<String> tags = Collections.nCopies(AdminApi.MAX_TAGS, "tag:" + "t".repeat(63));
    return new Node(
        Long.MAX_VALUE - id,
        "n".repeat(63),
        "h".repeat(63),
        "\u0001".repeat(255),
        key,
        key,
        key,
        List.of("100.127.255.254/32", "fd7a:115c:a1e0::ffff:ffff/128"),
        endpoints,
        true,
        Long.MIN_VALUE,
        Long.MIN_VALUE,
        true,
        true,
        tags);
  }

  @Test
  void shouldKeepTheFullMapOfTheLargestAllowedDomainWithinOneFrame() throws Exception {
    assertThat(
            MessageCodec.encode(
                    new Message.MapDelta(0, 0, null, List.of(longestNode(0)), null, null))
                .length)
        .isLessThanOrEqualTo(Quotas.MAX_NODE_JSON_BYTES);
    int n = Quotas.maxNodesForFrame();
    assertThat(n)
        .as("a realistic large domain fits")
        .isGreaterThanOrEqualTo(Quotas.DEFAULT_MAX_NODES_PER_DOMAIN);
    List<Node> peers = IntStream.range(0, n).mapToObj(QuotasTest::longestNode).toList();
    Message.FullMap map =
        new Message.FullMap(
            Long.MAX_VALUE,
            "e".repeat(16),
            Long.MAX_VALUE,
            "\u0001".repeat(255),
            longestNode(-1),
            peers);
    assertThat(MessageCodec.encode(map).length).isLessThanOrEqualTo(Protocol.MAX_MESSAGE_BYTES);
    assertThatThrownBy(() -> Quotas.defaults().withMaxNodesPerDomain(n + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("frame");
    // What the attack did: one key, 64 endpoints of control characters per node.
    start(Quotas.defaults());
    Message.RegisterResult r =
        register(
            connect("x", "192.0.2.1:1"),
            Collections.nCopies(64, "\u0001".repeat(63) + ":1"),
            key("big"));
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
  }

  @Test
  void shouldAnswerADuplicateNodeKeyWithAClearRefusal() throws Exception {
    start(Quotas.defaults());
    String k = key("dup");
    TestNode a = connect("a", "192.0.2.1:1");
    assertThat(register(a, List.of(), k).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    TestNode b = connect("b", "192.0.2.1:2");
    Message.RegisterResult r =
        b.client.register(
            a.node.publicKey(),
            null,
            b.disco.publicKey(),
            new HostInfo("b", "linux", List.of()),
            k,
            TIMEOUT);
    assertThat(r.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(r.reason()).contains("registered to another machine");
    // The connection still serves.
    assertThat(register(b, List.of(), k).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    // A rotation onto another machine's node key is refused the same way.
    Message.RegisterResult rotation =
        b.client.register(
            a.node.publicKey(),
            b.node.publicKey(),
            b.disco.publicKey(),
            new HostInfo("b", "linux", List.of()),
            null,
            TIMEOUT);
    assertThat(rotation.status()).isEqualTo(RegisterStatus.REJECTED);
    assertThat(rotation.reason()).contains("registered to another machine");
    assertThat(register(b, List.of("192.0.2.1:3"), null).status())
        .isEqualTo(RegisterStatus.AUTHORIZED);
  }

  @Test
  void shouldThrottleAndLogWrongPreAuthKeysPerSourceWithoutTheKey() throws Exception {
    Quotas q = Quotas.defaults().withWrongKeys(3, Duration.ofSeconds(10));
    start(q);
    ConcurrentLinkedQueue<String> logs = new ConcurrentLinkedQueue<>();
    Logger root = Logger.getLogger("");
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            logs.add(
                r.getMessage()
                    + " "
                    + (r.getParameters() == null ? "" : List.of(r.getParameters())));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    root.addHandler(capture);
    try {
      String good = key("guess");
      TestNode n = connect("n", "192.0.2.1:1");
      for (int i = 0; i < q.wrongKeyBurst(); i++) {
        Message.RegisterResult r = register(n, List.of(), "weft-auth-guess-" + i);
        assertThat(r.reason()).isEqualTo("unknown pre-auth key");
      }
      Message.RegisterResult throttled = register(n, List.of(), good);
      assertThat(throttled.status()).isEqualTo(RegisterStatus.REJECTED);
      assertThat(throttled.reason()).contains("too many wrong pre-auth keys from 127.0.0.1");
      clock.advance(q.wrongKeyInterval());
      assertThat(register(n, List.of(), good).status()).isEqualTo(RegisterStatus.AUTHORIZED);
      assertThat(logs).anyMatch(l -> l.contains("wrong pre-auth key") && l.contains("127.0.0.1"));
      assertThat(logs).noneMatch(l -> l.contains("weft-auth-guess"));
    } finally {
      root.removeHandler(capture);
    }
  }

  @Test
  void shouldStoreAndShowAKeyPrefixWithoutSecretBits() throws Exception {
    start(Quotas.defaults());
    AdminApi.CreatedKey k =
        server
            .admin()
            .createPreAuthKey("p", null, false, false, false, List.of(), Duration.ofHours(1));
    PreAuthKeyRecord stored = k.key();
    assertThat(stored.prefix()).matches("weft-auth-[0-9a-f]{10}");
    assertThat(k.secret()).startsWith(stored.prefix() + ".");
    String secretPart = k.secret().substring(stored.prefix().length() + 1);
    assertThat(secretPart).hasSizeGreaterThanOrEqualTo(32);
    for (int i = 0; i + 4 <= secretPart.length(); i++) {
      assertThat(stored.prefix()).doesNotContain(secretPart.substring(i, i + 4));
    }
    assertThat(
            server
                .database()
                .inTransaction(c -> PreAuthKeys.bySecret(c, k.secret()))
                .orElseThrow()
                .id())
        .isEqualTo(stored.id());
  }
}
