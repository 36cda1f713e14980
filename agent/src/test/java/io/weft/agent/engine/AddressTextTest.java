package io.weft.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Addresses print as the map writes them (RFC 5952 for IPv6). */
class AddressTextTest {
  @Test
  void shouldCompressTheLongestZeroRunOnly() {
    String[][] cases = {
      {"fd7a:115c:a1e0:0:0:0:0:1", "fd7a:115c:a1e0::1"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
      {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},
      {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"},
      {"fd7a:115c:a1e0:0:0:0:ab:cdef", "fd7a:115c:a1e0::ab:cdef"},
      {"100.64.0.1", "100.64.0.1"},
    };
    for (String[] c : cases) {
      assertThat(Engine.text(InetAddress.ofLiteral(c[0]))).as(c[0]).isEqualTo(c[1]);
    }
  }
}
