package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.wg.key.DiscoPrivateKey;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node's typed views parse its text fields once and skip what is malformed. */
class NodeTypedViewsTest {
  static final SecureRandom RANDOM = new SecureRandom();

  static Node node(
      String nodeKey, String discoKey, List<String> addresses, List<String> endpoints) {
    return new Node(
        1, "n", "n", null, nodeKey, discoKey, null, addresses, endpoints, true, 0, 0, false, true,
        List.of());
  }

  @Test
  void shouldParseKeysAddressesAndEndpoints() {
    NoisePrivateKey k = NoisePrivateKey.generate(RANDOM);
    DiscoPrivateKey d = DiscoPrivateKey.generate(RANDOM);
    Node n =
        node(
            k.publicKey().toBase64(),
            d.publicKey().toBase64(),
            List.of("100.64.0.7/32", "fd7a:115c:a1e0::7/128"),
            List.of("192.0.2.1:41641", "[2001:db8::1]:9"));
    assertThat(n.nodePublicKey()).isEqualTo(k.publicKey());
    assertThat(n.discoPublicKey()).isEqualTo(d.publicKey());
    assertThat(n.hosts())
        .containsExactly(
            InetAddress.ofLiteral("100.64.0.7"), InetAddress.ofLiteral("fd7a:115c:a1e0::7"));
    assertThat(n.endpointAddresses())
        .containsExactly(
            new InetSocketAddress("192.0.2.1", 41641), new InetSocketAddress("2001:db8::1", 9));
  }

  @Test
  void shouldSkipMalformedFieldsWithoutThrowing() {
    Node n =
        node(
            "not a key",
            "",
            List.of("100.64.0/32", "banana", "10.0.0.1/8"),
            List.of(
                "host.example:1",
                "192.0.2.1:0",
                "2001:db8::1:9",
                "192.0.2.1",
                "[::1]:65536",
                "192.0.2.2:7"));
    assertThat(n.nodePublicKey()).isNull();
    assertThat(n.discoPublicKey()).isNull();
    assertThat(n.machinePublicKey()).isNull();
    assertThat(n.hosts()).containsExactly(InetAddress.ofLiteral("10.0.0.1"));
    assertThat(n.endpointAddresses())
        .as("numeric only: no DNS lookup for a name")
        .containsExactly(new InetSocketAddress("192.0.2.2", 7));
  }

  @Test
  void shouldKeepTheWireFormWithoutTheTypedViews() throws Exception {
    Node n =
        node(
            NoisePrivateKey.generate(RANDOM).publicKey().toBase64(),
            null,
            List.of("100.64.0.7/32"),
            List.of("192.0.2.1:1"));
    String json = MessageCodec.JSON.writeValueAsString(n);
    assertThat(json)
        .doesNotContain("hosts")
        .doesNotContain("endpointAddresses")
        .doesNotContain("nodePublicKey");
    assertThat(MessageCodec.JSON.readValue(json, Node.class)).isEqualTo(n);
  }
}
