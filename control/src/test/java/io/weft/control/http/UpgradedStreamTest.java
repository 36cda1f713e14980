package io.weft.control.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The raw stream after an upgrade holds a bounded number of bytes in each direction. */
class UpgradedStreamTest {
  private HttpServer server;

  private InetSocketAddress start(HttpResponse.Upgraded protocol) throws IOException {
    HttpLimits limits = HttpLimits.defaults().withUpgradedWriteTimeout(Duration.ofMillis(500));
    server =
        new HttpServer(
            new InetSocketAddress("127.0.0.1", 0),
            req -> HttpResponse.upgrade("test", protocol),
            head -> 0,
            limits,
            null);
    return server.address();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static Socket upgrade(InetSocketAddress a) throws IOException {
    Socket s = RawHttp.open(a);
    s.getOutputStream()
        .write(
            "POST /x HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).isNotNegative();
      head.append((char) b);
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
    return s;
  }

  @Test
  void shouldStopReadingTheSocketWhileTheProtocolDoesNotConsume() throws Exception {
    CompletableFuture<Integer> buffered = new CompletableFuture<>();
    CompletableFuture<Void> release = new CompletableFuture<>();
    InetSocketAddress a =
        start(
            (in, out) -> {
              try {
                release.get(20, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new IOException(e);
              }
              buffered.complete(in.available());
              while (in.read(new byte[8192]) >= 0) {
                // Drain until the client hangs up.
              }
            });
    AtomicLong sent = new AtomicLong();
    try (Socket s = upgrade(a)) {
      Thread flooder =
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] chunk = new byte[16 * 1024];
                    try {
                      OutputStream out = s.getOutputStream();
                      for (int i = 0; i < 64 * 1024; i++) {
                        out.write(chunk);
                        sent.addAndGet(chunk.length);
                      }
                    } catch (IOException e) {
                      // Closed at the end of the test.
                    }
                  });
      // The flooder stalls once the server stops reading and the kernel buffers are full.
      long last = -1;
      for (int i = 0; i < 200 && sent.get() != last; i++) {
        last = sent.get();
        Thread.sleep(50);
      }
      assertThat(sent.get())
          .as("the client blocked: the server stopped reading")
          .isLessThan(64L * 1024 * 16 * 1024);
      release.complete(null);
      int held = buffered.get(20, TimeUnit.SECONDS);
      // 64 KiB read buffer plus at most one socket read in flight.
      assertThat(held).isLessThanOrEqualTo(64 * 1024 + 64 * 1024);
      s.close();
      flooder.join(10_000);
    }
  }

  @Test
  void shouldDropAPeerThatDoesNotReadWithinTheWriteTimeout() throws Exception {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    InetSocketAddress a =
        start(
            (in, out) -> {
              byte[] chunk = new byte[64 * 1024];
              try {
                for (int i = 0; i < 100_000; i++) {
                  out.write(chunk);
                  out.flush();
                }
                ended.complete(null);
              } catch (IOException e) {
                ended.complete(e);
                throw e;
              }
            });
    try (Socket s = upgrade(a)) {
      Throwable t = ended.get(30, TimeUnit.SECONDS);
      assertThat(t).as("the writer is stopped, not left blocked").isInstanceOf(IOException.class);
      HttpLimitsTest.awaitTrue(() -> server.openConnections() == 0, "the connection is closed");
    }
  }
}
