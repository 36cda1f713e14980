package io.weft.control.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every resource a client without credentials can make the server hold has a bound. */
class HttpLimitsTest {
  private final AtomicInteger handled = new AtomicInteger();
  private HttpServer server;

  private InetSocketAddress start(HttpLimits limits) throws IOException {
    server =
        new HttpServer(
            new InetSocketAddress("127.0.0.1", 0),
            req -> {
              handled.incrementAndGet();
              return HttpResponse.text(200, "body " + req.body().length);
            },
            head ->
                "secret".equals(head.bearerToken())
                    ? limits.maxBodyBytes()
                    : limits.maxUnauthenticatedBodyBytes(),
            limits,
            null);
    return server.address();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void shouldRefuseAnOversizedRequestLineWith414() throws Exception {
    InetSocketAddress a = start(HttpLimits.defaults());
    RawHttp.Answer r =
        RawHttp.exchange(a, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(r.status()).as(r.text()).isEqualTo(414);
    assertThat(r.closed()).isTrue();
  }

  @Test
  void shouldRefuseOversizedHeadersWith431() throws Exception {
    InetSocketAddress a = start(HttpLimits.defaults());
    StringBuilder req = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 400; i++) {
      req.append("X-H").append(i).append(": ").append("v".repeat(50)).append("\r\n");
    }
    RawHttp.Answer r = RawHttp.exchange(a, req.append("\r\n").toString());
    assertThat(r.status()).as(r.text()).isEqualTo(431);
    assertThat(r.closed()).isTrue();
    assertThat(RawHttp.get(a, "/")).isEqualTo(200);
  }

  @Test
  void shouldRefuseAnUnauthenticatedBodyOverTheSmallCapBeforeReadingIt() throws Exception {
    InetSocketAddress a = start(HttpLimits.defaults());
    // Announce 100 MB and send none of it: the answer comes from the head alone.
    RawHttp.Answer r =
        RawHttp.exchange(
            a, "POST /admin/v1/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
    assertThat(r.status()).as(r.text()).isEqualTo(413);
    assertThat(r.closed()).isTrue();
    int small = HttpLimits.defaults().maxUnauthenticatedBodyBytes();
    String over = "x".repeat(small + 1);
    assertThat(RawHttp.exchange(a, post(null, over)).status()).isEqualTo(413);
    assertThat(RawHttp.exchange(a, post(null, "x".repeat(small))).status()).isEqualTo(200);
    assertThat(RawHttp.exchange(a, post("wrong", over)).status()).isEqualTo(413);
    assertThat(RawHttp.exchange(a, post("secret", "x".repeat(100_000))).text())
        .contains("body 100000");
    assertThat(
            RawHttp.exchange(
                    a, post("secret", "x".repeat(HttpLimits.defaults().maxBodyBytes() + 1)))
                .status())
        .isEqualTo(413);
  }

  @Test
  void shouldCutASlowlorisAtTheRequestDeadlineWhateverItsProgress() throws Exception {
    Duration deadline = Duration.ofMillis(600);
    InetSocketAddress a = start(HttpLimits.defaults().withRequestDeadline(deadline));
    byte[] request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
    long started = System.nanoTime();
    try (Socket s = RawHttp.open(a)) {
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      boolean cut = false;
      // One byte every 50 ms, for at most 10 s: each byte is progress, none extends the deadline.
      for (int i = 0; i < 200 && !cut; i++) {
        try {
          out.write(i < request.length ? request[i] : 'a');
          out.flush();
        } catch (SocketException e) {
          cut = true;
          break;
        }
        try {
          cut = in.read() < 0;
        } catch (SocketTimeoutException e) {
          // Still open.
        } catch (SocketException e) {
          cut = true;
        }
      }
      assertThat(cut).as("the server closed the trickling connection").isTrue();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).isGreaterThanOrEqualTo(deadline).isLessThan(Duration.ofSeconds(8));
    assertThat(server.timedOutConnections()).isEqualTo(1);
    assertThat(handled).hasValue(0);
    assertThat(RawHttp.get(a, "/")).isEqualTo(200);
  }

  @Test
  void shouldCloseAKeptAliveConnectionAfterTheIdleTimeout() throws Exception {
    InetSocketAddress a = start(HttpLimits.defaults().withIdleTimeout(Duration.ofMillis(300)));
    try (Socket s = RawHttp.open(a)) {
      s.getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      RawHttp.Answer r = RawHttp.readToClose(s);
      assertThat(r.text()).startsWith("HTTP/1.1 200");
      assertThat(r.closed())
          .as("closed by the idle timeout, not by the test's 10 s read timeout")
          .isTrue();
    }
    assertThat(server.timedOutConnections()).isEqualTo(1);
  }

  @Test
  void shouldRefuseTheConnectionOverThePerAddressCapWhileOthersAreHeld() throws Exception {
    int cap = 4;
    InetSocketAddress a = start(HttpLimits.defaults().withConnectionCaps(100, cap));
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < cap; i++) {
        held.add(RawHttp.open(a));
      }
      awaitTrue(() -> server.openConnections() == cap, "the server holds " + cap + " connections");
      try (Socket extra = RawHttp.open(a)) {
        assertThat(RawHttp.readToClose(extra).closed())
            .as("the connection over the cap is closed")
            .isTrue();
      }
      assertThat(server.refusedConnections()).isEqualTo(1);
      // Another source address is not affected.
      try (Socket other = new Socket()) {
        other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
        other.connect(a, 5_000);
        other.setSoTimeout(10_000);
        other
            .getOutputStream()
            .write(
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(RawHttp.readToClose(other).status()).isEqualTo(200);
      }
      // The held connections still work, and freeing one frees its slot.
      Socket first = held.remove(0);
      first
          .getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(RawHttp.readToClose(first).status()).isEqualTo(200);
      first.close();
      awaitTrue(() -> server.openConnections() == cap - 1, "the slot is released");
      assertThat(RawHttp.get(a, "/")).isEqualTo(200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void shouldRefuseTheConnectionOverTheGlobalCapWhileOthersAreHeld() throws Exception {
    int cap = 5;
    InetSocketAddress a = start(HttpLimits.defaults().withConnectionCaps(cap, 100));
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < cap; i++) {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0." + (10 + i)), 0));
        s.connect(a, 5_000);
        held.add(s);
      }
      awaitTrue(() -> server.openConnections() == cap, "the server holds " + cap + " connections");
      try (Socket extra = RawHttp.open(a)) {
        assertThat(RawHttp.readToClose(extra).closed()).isTrue();
      }
      assertThat(server.refusedConnections()).isEqualTo(1);
      held.remove(0).close();
      awaitTrue(() -> server.openConnections() == cap - 1, "the slot is released");
      assertThat(RawHttp.get(a, "/")).isEqualTo(200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private static String post(String token, String body) {
    return "POST /admin/v1/x HTTP/1.1\r\nHost: x\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
        + "Content-Length: "
        + body.length()
        + "\r\nConnection: close\r\n\r\n"
        + body;
  }

  static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }
}
