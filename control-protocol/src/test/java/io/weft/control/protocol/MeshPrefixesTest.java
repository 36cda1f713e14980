package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class MeshPrefixesTest {
  @Test
  void shouldNameTailscalesRanges() {
    assertThat(MeshPrefixes.V4).hasToString("100.64.0.0/10");
    assertThat(MeshPrefixes.V6).hasToString("fd7a:115c:a1e0::/48");
  }

  @Test
  void shouldTellMeshAddressesFromOthers() {
    for (String mesh : new String[] {"100.64.0.1", "100.127.255.254", "fd7a:115c:a1e0::1"}) {
      assertThat(MeshPrefixes.contains(InetAddress.ofLiteral(mesh))).as(mesh).isTrue();
    }
    for (String other : new String[] {"100.128.0.1", "10.0.0.1", "fd7a:115c:a1e1::1", "::1"}) {
      assertThat(MeshPrefixes.contains(InetAddress.ofLiteral(other))).as(other).isFalse();
    }
  }
}
