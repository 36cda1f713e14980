package io.weft.control.server;

import static io.weft.control.server.TestNode.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.RegisterStatus;
import io.weft.derp.client.DerpClient;
import io.weft.wg.conn.RelayMap;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay inside the coordination server admits its nodes only, and the maps name it. */
class EmbeddedRelayTest {
  @TempDir Path dir;
  ControlServer server;
  EmbeddedRelay relay;
  TestNode node;

  @BeforeEach
  void start() throws Exception {
    server = ControlServer.start(ControlConfig.defaults(dir).withAdminToken("admin-secret"));
    relay =
        EmbeddedRelay.start(
            EmbeddedRelay.admission(server.registry()),
            dir.resolve("relay.key"),
            new InetSocketAddress("127.0.0.1", 0),
            "127.0.0.1",
            null);
    server.setRelayMap(relay.relayMap());
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    relay.close();
    server.close();
  }

  URI relayUrl() {
    return URI.create("http://127.0.0.1:" + relay.relayAddress().getPort() + "/derp");
  }

  DerpClient dial(NoisePrivateKey key) throws IOException {
    return DerpClient.connect(relayUrl(), key, DerpClient.Options.defaults(), (src, b, o, l) -> {});
  }

  void join() throws Exception {
    String k =
        server
            .admin()
            .createPreAuthKey("acme", null, false, false, false, List.of(), Duration.ofHours(1))
            .secret();
    node = new TestNode("a", "127.0.0.1:40000");
    node.connect(server);
    assertThat(node.register(k).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    node.client.subscribe();
  }

  @Test
  void shouldAdmitARegisteredNodeAndRefuseUnknownAndDeletedKeys() throws Exception {
    join();
    try (DerpClient c = dial(node.node)) {
      assertThat(c.serverKey()).isEqualTo(relay.server().publicKey());
    }
    assertThatThrownBy(() -> dial(NoisePrivateKey.generate(new SecureRandom())))
        .as("a key the server does not know")
        .isInstanceOf(IOException.class);
    assertThat(server.registry().delete(node.id())).isTrue();
    assertThatThrownBy(() -> dial(node.node))
        .as("a deleted node, at its next connect")
        .isInstanceOf(IOException.class);
  }

  @Test
  void shouldDropTheConnectionOfANodeDeletedWhileConnected() throws Exception {
    join();
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    try (DerpClient c =
        DerpClient.connect(
            relayUrl(),
            node.node,
            DerpClient.Options.defaults(),
            new DerpClient.Listener() {
              @Override
              public void onPacket(io.weft.derp.NodeKey src, byte[] buf, int off, int len) {}

              @Override
              public void onClosed(Throwable cause) {
                closed.countDown();
              }
            })) {
      assertThat(relay.revalidate()).as("still known").isZero();
      assertThat(server.registry().delete(node.id())).isTrue();
      assertThat(relay.revalidate()).isEqualTo(1);
      assertThat(closed.await(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
          .as("the relay closed the deleted node's connection")
          .isTrue();
    }
  }

  @Test
  void shouldRefuseAnExpiredNodeKey() throws Exception {
    join();
    assertThat(server.registry().expire(node.id())).isTrue();
    assertThatThrownBy(() -> dial(node.node)).isInstanceOf(IOException.class);
  }

  @Test
  void shouldSendTheRelayMapInFullMapsWithTailscaleFieldNames() throws Exception {
    join();
    NetMap m = node.client.awaitMap(x -> x.self() != null, TIMEOUT);
    assertThat(m.relayMap()).isEqualTo(relay.relayMap());
    RelayMap.Relay r = m.relayMap().regions().getFirst().relays().getFirst();
    assertThat(r.relayPort()).isEqualTo(relay.relayAddress().getPort());
    assertThat(r.stunPort()).isPositive();
    JsonNode json = MessageCodec.JSON.valueToTree(relay.relayMap());
    JsonNode region = json.get("Regions").get("" + EmbeddedRelay.REGION_ID);
    assertThat(region.get("RegionID").asInt()).isEqualTo(EmbeddedRelay.REGION_ID);
    assertThat(region.get("RegionCode").asText()).isEqualTo("weft");
    JsonNode n = region.get("Nodes").get(0);
    assertThat(n.get("Name").asText()).isEqualTo("900a");
    assertThat(n.get("HostName").asText()).isEqualTo("127.0.0.1");
    assertThat(n.get("DERPPort").asInt()).isEqualTo(relay.relayAddress().getPort());
    assertThat(n.get("STUNPort").asInt()).isEqualTo(r.stunPort());
  }

  @Test
  void shouldKeepTheRelayKeyInAnOwnerOnlyFileAcrossRestarts() throws Exception {
    Path key = dir.resolve("relay.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    var first = relay.server().publicKey();
    relay.close();
    relay =
        EmbeddedRelay.start(
            EmbeddedRelay.admission(server.registry()),
            key,
            new InetSocketAddress("127.0.0.1", 0),
            "127.0.0.1",
            null);
    assertThat(relay.server().publicKey()).isEqualTo(first);
  }
}
