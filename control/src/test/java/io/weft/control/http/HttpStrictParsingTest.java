package io.weft.control.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Request-smuggling primitives (RFC 9112 §5, §6.3, §2.2): a proxy and this server must never
 * disagree on where a request ends, so every ambiguous framing is a 400 that closes the connection,
 * and the server keeps serving everyone else.
 */
class HttpStrictParsingTest {
  private final AtomicInteger handled = new AtomicInteger();
  private HttpServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    server =
        new HttpServer(
            new InetSocketAddress("127.0.0.1", 0),
            req -> {
              handled.incrementAndGet();
              return HttpResponse.text(200, "body " + req.body().length);
            });
    address = server.address();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          duplicate Content-Length, same value   | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nContent-Length: 5\\r\\n\\r\\nhello
          duplicate Content-Length, two values   | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nContent-Length: 0\\r\\n\\r\\nhello
          Content-Length as a list               | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5, 5\\r\\n\\r\\nhello
          signed Content-Length                  | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: +5\\r\\n\\r\\nhello
          hex Content-Length                     | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 0x5\\r\\n\\r\\nhello
          whitespace before the colon            | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length : 5\\r\\n\\r\\nhello
          tab before the colon                   | GET / HTTP/1.1\\r\\nHost\\t: x\\r\\n\\r\\n
          obs-folded header line                 | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n b\\r\\n\\r\\n
          obs-folded line that looks like a field | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n Content-Length: 5\\r\\n\\r\\nhello
          obs-folded with a tab                  | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Folded: a\\r\\n\\tb\\r\\n\\r\\n
          bare LF line endings                   | GET / HTTP/1.1\\nHost: x\\n\\n
          bare LF after the request line         | GET / HTTP/1.1\\nHost: x\\r\\n\\r\\n
          bare CR                                | GET / HTTP/1.1\\rHost: x\\r\\n\\r\\n
          Transfer-Encoding with Content-Length  | POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 5\\r\\n\\r\\n0\\r\\n\\r\\n
          Content-Length with Transfer-Encoding  | POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n
          two Host headers                       | GET / HTTP/1.1\\r\\nHost: x\\r\\nHost: y\\r\\n\\r\\n
          absolute-form target                   | GET http://x/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n
          HTTP/2 version on an HTTP/1 connection | GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n
          NUL in a header value                  | GET / HTTP/1.1\\r\\nHost: x\\r\\nX-A: a\\u0000b\\r\\n\\r\\n
          """)
  void shouldAnswer400AndCloseOnAmbiguousFraming(String name, String escaped) throws Exception {
    String request = unescape(escaped);
    RawHttp.Answer a = RawHttp.exchange(address, request);
    assertThat(a.status()).as("%s: %s", name, a.text()).isEqualTo(400);
    assertThat(a.closed()).as("%s: the connection closes", name).isTrue();
    assertThat(handled).as("%s: never reaches a handler", name).hasValue(0);
    assertThat(RawHttp.get(address, "/")).as("the server keeps serving").isEqualTo(200);
  }

  @Test
  void shouldRefuseChunkedBodiesWith411() throws Exception {
    RawHttp.Answer a =
        RawHttp.exchange(
            address,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assertThat(a.status()).as(a.text()).isEqualTo(411);
    assertThat(a.closed()).isTrue();
    assertThat(handled).hasValue(0);
  }

  @Test
  void shouldServeAWellFormedRequestWithABodyAndKeepTheConnection() throws Exception {
    try (var s = RawHttp.open(address)) {
      var out = s.getOutputStream();
      out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".getBytes());
      out.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
      out.flush();
      String text = RawHttp.readToClose(s).text();
      // The second request was pipelined: the server answers the first and closes.
      assertThat(text).startsWith("HTTP/1.1 200").contains("body 5");
    }
    assertThat(RawHttp.get(address, "/")).isEqualTo(200);
  }

  @Test
  void shouldKeepAConnectionAliveAcrossSequentialRequests() throws Exception {
    try (var s = RawHttp.open(address)) {
      var out = s.getOutputStream();
      var in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        out.flush();
        byte[] buf = new byte[512];
        int n = in.read(buf);
        assertThat(new String(buf, 0, n)).startsWith("HTTP/1.1 200").endsWith("body 0");
      }
    }
    assertThat(handled).hasValue(3);
  }

  private static String unescape(String s) {
    return s.replace("\\r", "\r")
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\u0000", "\0");
  }
}
