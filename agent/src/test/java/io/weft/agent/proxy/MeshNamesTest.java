package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import io.weft.control.protocol.Node;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The proxies' name table: only names and addresses from the map, nothing from the host's DNS. */
class MeshNamesTest {
  static Node node(long id, String name, String hostname, boolean expired, String... addresses) {
    return new Node(
        id,
        name,
        hostname,
        "u",
        null,
        null,
        null,
        List.of(addresses),
        List.of(),
        true,
        0,
        0,
        expired,
        true,
        List.of());
  }

  static MeshNames table() {
    NetMap map = new NetMap();
    map.apply(
        new Message.FullMap(
            1,
            "e",
            1,
            "mesh.example",
            node(1, "self", "self-host", false, "100.64.0.1/32"),
            List.of(
                node(2, "alpha", "alpha-laptop", false, "fd7a:115c:a1e0::2/128", "100.64.0.2/32"),
                node(3, "gone", "gone", true, "100.64.0.3/32"))));
    MeshNames names = new MeshNames();
    names.update(map);
    return names;
  }

  @Test
  void shouldResolveGivenNamesHostNamesAndFullyQualifiedNamesIgnoringCaseAndTheTrailingDot() {
    MeshNames names = table();
    List<InetAddress> alpha =
        List.of(InetAddress.ofLiteral("100.64.0.2"), InetAddress.ofLiteral("fd7a:115c:a1e0::2"));
    assertThat(names.resolve("alpha")).as("IPv4 first").isEqualTo(alpha);
    assertThat(names.resolve("ALPHA.mesh.example.")).isEqualTo(alpha);
    assertThat(names.resolve("alpha-laptop")).isEqualTo(alpha);
    assertThat(names.resolve("self")).containsExactly(InetAddress.ofLiteral("100.64.0.1"));
  }

  @Test
  void shouldNotResolveExpiredNodesOrAnythingOutsideTheMap() {
    MeshNames names = table();
    assertThat(names.resolve("gone")).isEmpty();
    assertThat(names.isMeshAddress(InetAddress.ofLiteral("100.64.0.3"))).isFalse();
    assertThat(names.resolve("localhost")).isEmpty();
    assertThat(names.resolve("example.com")).isEmpty();
    assertThat(names.isMeshAddress(InetAddress.ofLiteral("100.64.0.2"))).isTrue();
    assertThat(names.isMeshAddress(InetAddress.ofLiteral("127.0.0.1"))).isFalse();
  }
}
