package io.weft.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.agent.userspace.NetstackTun;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.device.Keypair;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine turns successive maps into the smallest set of device changes. */
class EngineTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final Duration PING = Duration.ofSeconds(10);

  /** One in-process node: a device over a userspace stack, on loopback UDP. */
  static final class TestNode implements AutoCloseable {
    final long id;
    final NoisePrivateKey key = NoisePrivateKey.generate(RANDOM);
    final NetstackTun tun;
    final Device device;
    final Engine engine;

    TestNode(long id) throws IOException {
      this.id = id;
      tun =
          new NetstackTun(
              "n" + id,
              NetStackConfig.of(
                  InterfaceConfig.of(IpAddress.parse(v4(id)), IpAddress.parse(v6(id)))),
              1024);
      device = new Device(tun, new UdpBind(), NanoClock.SYSTEM, System.getLogger("test.engine"));
      device.setPrivateKey(key);
      device.up();
      engine = new Engine(device);
    }

    Node asPeer() {
      return node(id, key.publicKey().toBase64(), "127.0.0.1:" + device.listenPort());
    }

    Duration ping(TestNode other) throws IOException {
      return tun.stack().ping(InetAddress.getByName(v4(other.id)), PING);
    }

    @Override
    public void close() {
      device.close();
    }
  }

  static String v4(long id) {
    return "100.64.0." + id;
  }

  static String v6(long id) {
    return "fd7a:115c:a1e0::" + id;
  }

  static Node node(long id, String nodeKey, String... endpoints) {
    return new Node(
        id,
        "n" + id,
        "n" + id,
        null,
        nodeKey,
        null,
        null,
        List.of(v4(id) + "/32", v6(id) + "/128"),
        List.of(endpoints),
        true,
        0,
        0,
        false,
        true,
        List.of());
  }

  static NetMap map(TestNode self, Node... peers) {
    NetMap m = new NetMap();
    m.apply(new Message.FullMap(1, "e", 1, "d", self.asPeer(), List.of(peers)));
    return m;
  }

  final List<TestNode> nodes = new ArrayList<>();
  TestNode a;
  TestNode b;
  TestNode c;

  @BeforeEach
  void start() throws IOException {
    a = add(1);
    b = add(2);
    c = add(3);
  }

  TestNode add(long id) throws IOException {
    TestNode n = new TestNode(id);
    nodes.add(n);
    return n;
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestNode::close);
  }

  @Test
  void shouldAddEveryPeerWithItsHostAddressesAndFirstEndpoint() throws IOException {
    Node bPeer =
        node(2, b.key.publicKey().toBase64(), "127.0.0.1:" + b.device.listenPort(), "192.0.2.1:9");
    assertThat(a.engine.apply(map(a, bPeer, c.asPeer()))).isEqualTo(new Engine.Change(2, 0, 0));
    Peer p = a.device.peer(b.key.publicKey());
    assertThat(a.device.allowedIps(p))
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("100.64.0.2/32", "fd7a:115c:a1e0::2/128");
    assertThat(p.endpoint().destinationString()).isEqualTo("127.0.0.1:" + b.device.listenPort());

    b.engine.apply(map(b, a.asPeer()));
    assertThat(a.ping(b)).isPositive();
  }

  @Test
  void shouldLeaveTheDeviceAloneWhenTheMapDidNotChange() {
    NetMap m = map(a, b.asPeer(), c.asPeer());
    a.engine.apply(m);
    assertThat(a.engine.apply(m).none()).isTrue();
  }

  @Test
  void shouldKeepAnUnrelatedPeersSessionWhileAnotherPeerChanges() throws IOException {
    a.engine.apply(map(a, b.asPeer(), c.asPeer()));
    b.engine.apply(map(b, a.asPeer()));
    c.engine.apply(map(c, a.asPeer()));
    a.ping(b);
    a.ping(c);
    Peer bOnA = a.device.peer(b.key.publicKey());
    Keypair session = bOnA.currentKeypair();
    assertThat(session).isNotNull();

    // c moves to another port: an in-place endpoint update.
    Node cMoved = node(3, c.key.publicKey().toBase64(), "127.0.0.1:9");
    assertThat(a.engine.apply(map(a, b.asPeer(), cMoved))).isEqualTo(new Engine.Change(0, 0, 1));
    assertThat(a.device.peer(c.key.publicKey()).endpoint().destinationString())
        .isEqualTo("127.0.0.1:9");
    // c rotates its key: removed under the old key, added under the new.
    NoisePrivateKey rotated = NoisePrivateKey.generate(RANDOM);
    Node cRotated = node(3, rotated.publicKey().toBase64(), "127.0.0.1:9");
    assertThat(a.engine.apply(map(a, b.asPeer(), cRotated))).isEqualTo(new Engine.Change(1, 1, 0));
    assertThat(a.device.peer(c.key.publicKey())).isNull();
    assertThat(a.device.peer(rotated.publicKey())).isNotNull();
    // c leaves.
    assertThat(a.engine.apply(map(a, b.asPeer()))).isEqualTo(new Engine.Change(0, 1, 0));
    assertThat(a.device.peers()).hasSize(1);

    assertThat(a.device.peer(b.key.publicKey())).isSameAs(bOnA);
    assertThat(bOnA.currentKeypair()).as("b's session survives c's changes").isSameAs(session);
    a.ping(b);
    assertThat(bOnA.currentKeypair()).isSameAs(session);
  }

  @Test
  void shouldRemoveAPeerThatLeftTheMapOrExpired() throws IOException {
    a.engine.apply(map(a, b.asPeer(), c.asPeer()));
    b.engine.apply(map(b, a.asPeer()));
    a.ping(b);
    Node bExpired =
        new Node(
            2,
            "n2",
            "n2",
            null,
            b.key.publicKey().toBase64(),
            null,
            null,
            b.asPeer().addresses(),
            b.asPeer().endpoints(),
            true,
            0,
            0,
            true,
            true,
            List.of());
    assertThat(a.engine.apply(map(a, bExpired, c.asPeer()))).isEqualTo(new Engine.Change(0, 1, 0));
    assertThat(a.device.peer(b.key.publicKey())).isNull();
    assertThatThrownBy(
            () -> a.tun.stack().ping(InetAddress.getByName(v4(2)), Duration.ofMillis(300)))
        .isInstanceOf(SocketTimeoutException.class);
    assertThat(a.engine.nodeIds()).containsExactly(3L);
  }

  @Test
  void shouldConfigureNoPeersWhileThisNodeIsExpired() {
    Node self = a.asPeer();
    Node expiredSelf =
        new Node(
            self.id(),
            self.name(),
            self.hostname(),
            null,
            self.nodeKey(),
            null,
            null,
            self.addresses(),
            self.endpoints(),
            true,
            0,
            0,
            true,
            true,
            List.of());
    NetMap m = new NetMap();
    m.apply(new Message.FullMap(1, "e", 1, "d", expiredSelf, List.of(b.asPeer())));
    assertThat(a.engine.apply(m)).isEqualTo(new Engine.Change(0, 0, 0));
    assertThat(a.device.peers()).isEmpty();
  }

  @Test
  void shouldNeverRouteAddressesOutsideTheMeshToAPeer() {
    // A server (or whoever speaks for it) lists a LAN address and a whole /8 for b: only b's mesh
    // addresses become allowed IPs, so b cannot attract traffic for 10.0.0.0/8 or 192.168.1.1.
    Node bClaims =
        new Node(
            2,
            "n2",
            "n2",
            null,
            b.key.publicKey().toBase64(),
            null,
            null,
            List.of(v4(2) + "/32", "192.168.1.1/32", "10.0.0.0/8", "100.64.0.0/9", v6(2) + "/128"),
            List.of("127.0.0.1:" + b.device.listenPort()),
            true,
            0,
            0,
            false,
            true,
            List.of());
    a.engine.apply(map(a, bClaims));
    assertThat(a.device.allowedIps(a.device.peer(b.key.publicKey())))
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("100.64.0.2/32", "fd7a:115c:a1e0::2/128");
    assertThat(Engine.isMeshPrefix("100.64.0.0/9")).as("a prefix wider than the mesh").isFalse();
    assertThat(Engine.isMeshPrefix("100.127.255.255/32")).isTrue();
    assertThat(Engine.isMeshPrefix("100.128.0.1/32")).isFalse();
    assertThat(Engine.isMeshPrefix("fd7a:115c:a1e1::1/128")).isFalse();
    assertThat(Engine.isMeshPrefix("garbage/32")).isFalse();
  }
}
