package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listeners' bounds without a mesh (the dialer has no netstack): garbage is answered and closed
 * while the server keeps serving, a slow handshake is cut at its deadline, and connections over the
 * cap are closed at once.
 */
class ProxyListenerBoundsTest {
  static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  final List<AutoCloseable> open = new ArrayList<>();

  static MeshDialer noStack() {
    return new MeshDialer(
        Optional::empty, new MeshNames(), MeshDialer.Fallback.REFUSE, Duration.ofSeconds(1));
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  @Test
  void shouldCloseOnSeededGarbageAndKeepServing() throws Exception {
    Socks5Server socks =
        keep(
            new Socks5Server(
                LOOPBACK,
                noStack(),
                Map.of(),
                ProxyLimits.DEFAULTS.withHandshakeTimeout(Duration.ofSeconds(2))));
    HttpProxyServer http =
        keep(
            new HttpProxyServer(
                LOOPBACK,
                noStack(),
                ProxyLimits.DEFAULTS.withHandshakeTimeout(Duration.ofSeconds(2))));
    long seed = new SplittableRandom().nextLong();
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < 40; i++) {
      byte[] junk = new byte[1 + r.nextInt(600)];
      r.nextBytes(junk);
      if (r.nextBoolean()) {
        junk[0] = 5;
      }
      for (int port : new int[] {socks.address().getPort(), http.address().getPort()}) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write(junk);
          s.shutdownOutput();
          InputStream in = s.getInputStream();
          // Whatever the answer, the server ends the connection (never hangs past the deadline).
          in.readAllBytes();
        } catch (IOException e) {
          // A reset is an acceptable end too.
        }
      }
    }
    // Still serving: a proper greeting gets its answer; a proper request gets "no netstack".
    assertThat(
            UserspaceProxyTest.socksConnect(
                socks.address().getPort(), UserspaceProxyTest.domainRequest("a", 80)))
        .as("seed %d", seed)
        .isEqualTo(Socks5.REP_GENERAL_FAILURE);
    assertThat(
            UserspaceProxyTest.rawHttp(http.address().getPort(), "GET http://a/ HTTP/1.1\r\n\r\n"))
        .as("seed %d", seed)
        .startsWith("HTTP/1.1 502");
    assertThat(socks.malformed()).isPositive();
    assertThat(http.malformed()).isPositive();
  }

  @Test
  void shouldCutAHandshakeThatMissesItsDeadline() throws Exception {
    HttpProxyServer http =
        keep(
            new HttpProxyServer(
                LOOPBACK,
                noStack(),
                ProxyLimits.DEFAULTS.withHandshakeTimeout(Duration.ofMillis(300))));
    Socks5Server socks =
        keep(
            new Socks5Server(
                LOOPBACK,
                noStack(),
                Map.of(),
                ProxyLimits.DEFAULTS.withHandshakeTimeout(Duration.ofMillis(300))));
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), http.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET http://a/ HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 408");
    }
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), socks.address().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[] {5});
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void shouldCloseItsClientsWhenClosed() throws Exception {
    Socks5Server socks = new Socks5Server(LOOPBACK, noStack(), Map.of(), ProxyLimits.DEFAULTS);
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), socks.address().getPort())) {
      s.setSoTimeout(10_000);
      Await.until("connection served", Duration.ofSeconds(10), () -> socks.active() == 1);
      socks.close();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      Await.until("connection released", Duration.ofSeconds(10), () -> socks.active() == 0);
    }
  }

  @Test
  void shouldCloseConnectionsOverTheCap() throws Exception {
    Socks5Server socks =
        keep(
            new Socks5Server(
                LOOPBACK, noStack(), Map.of(), ProxyLimits.DEFAULTS.withMaxConnections(2)));
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        held.add(new Socket(InetAddress.getLoopbackAddress(), socks.address().getPort()));
      }
      Await.until("two connections served", Duration.ofSeconds(10), () -> socks.active() == 2);
      try (Socket third = new Socket(InetAddress.getLoopbackAddress(), socks.address().getPort())) {
        third.setSoTimeout(10_000);
        assertThat(third.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(socks.rejected()).isEqualTo(1);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
