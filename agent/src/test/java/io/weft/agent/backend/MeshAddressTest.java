package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The node never advertises its own mesh addresses as endpoints. */
class MeshAddressTest {
  @Test
  void shouldRecogniseTheMeshRangesAndNothingElse() {
    for (String mesh :
        new String[] {
          "100.64.0.1",
          "100.127.255.254",
          "100.100.100.100",
          "fd7a:115c:a1e0::1",
          "fd7a:115c:a1e0:ffff::5"
        }) {
      assertThat(LocalEndpoints.isMesh(InetAddress.ofLiteral(mesh))).as(mesh).isTrue();
    }
    for (String other :
        new String[] {
          "100.63.255.255",
          "100.128.0.0",
          "10.0.0.1",
          "127.0.0.1",
          "fd7a:115c:a1e1::1",
          "fd7b:115c:a1e0::1",
          "::1",
          "2001:db8::1"
        }) {
      assertThat(LocalEndpoints.isMesh(InetAddress.ofLiteral(other))).as(other).isFalse();
    }
  }
}
