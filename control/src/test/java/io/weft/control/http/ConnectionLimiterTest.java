package io.weft.control.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {
  @Test
  void shouldCountAnIpv6SourceByItsSlash64() throws Exception {
    ConnectionLimiter l = new ConnectionLimiter(100, 2);
    assertThat(l.tryAcquire(InetAddress.getByName("2001:db8::1"))).isTrue();
    assertThat(l.tryAcquire(InetAddress.getByName("2001:db8::ffff:2"))).isTrue();
    assertThat(l.tryAcquire(InetAddress.getByName("2001:db8::3:3"))).as("same /64").isFalse();
    assertThat(l.tryAcquire(InetAddress.getByName("2001:db8:0:1::1"))).as("next /64").isTrue();
    l.release(InetAddress.getByName("2001:db8::1"));
    assertThat(l.tryAcquire(InetAddress.getByName("2001:db8::77"))).isTrue();
    assertThat(l.open()).isEqualTo(3);
    assertThat(l.refused()).isEqualTo(1);
  }

  @Test
  void shouldCountIpv4SourcesOneByOneAndHoldTheGlobalCap() throws Exception {
    ConnectionLimiter l = new ConnectionLimiter(3, 2);
    assertThat(l.tryAcquire(InetAddress.getByName("192.0.2.1"))).isTrue();
    assertThat(l.tryAcquire(InetAddress.getByName("192.0.2.1"))).isTrue();
    assertThat(l.tryAcquire(InetAddress.getByName("192.0.2.1"))).isFalse();
    assertThat(l.tryAcquire(InetAddress.getByName("192.0.2.2"))).isTrue();
    assertThat(l.tryAcquire(InetAddress.getByName("192.0.2.3"))).as("global cap").isFalse();
    assertThat(l.open()).isEqualTo(3);
  }
}
