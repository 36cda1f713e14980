package io.weft.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HTTP proxy's strict request-head parser. */
class HttpRequestHeadTest {
  static HttpRequestHead parse(String head) {
    HttpRequestHead h = new HttpRequestHead();
    byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
    int r = h.parse(b, b.length, 16 * 1024);
    assertThat(r).as("framed").isNotEqualTo(HttpRequestHead.NEED_MORE);
    return h;
  }

  @Test
  void shouldParseConnect() {
    HttpRequestHead h = parse("CONNECT alpha:443 HTTP/1.1\r\nHost: alpha:443\r\n\r\n");
    assertThat(h.error).isZero();
    assertThat(h.connect).isTrue();
    assertThat(h.host).isEqualTo("alpha");
    assertThat(h.port).isEqualTo(443);
  }

  @Test
  void shouldRewriteAnAbsoluteFormRequestToOriginFormWithoutHopByHopFields() {
    HttpRequestHead h =
        parse(
            "GET http://alpha/blob?x=1 HTTP/1.1\r\nHost: alpha\r\nProxy-Connection: keep-alive\r\n"
                + "Connection: keep-alive, X-Trace\r\nX-Trace: 1\r\nProxy-Authorization: Basic eA==\r\nAccept: */*\r\n\r\n");
    assertThat(h.error).isZero();
    assertThat(h.host).isEqualTo("alpha");
    assertThat(h.port).isEqualTo(80);
    assertThat(new String(h.forwardHead, StandardCharsets.US_ASCII))
        .isEqualTo(
            "GET /blob?x=1 HTTP/1.1\r\nHost: alpha\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  }

  @Test
  void shouldAddHostWhenAbsentAndTakeIpv6Literals() {
    HttpRequestHead h = parse("GET http://[fd7a::1]:8080 HTTP/1.0\r\n\r\n");
    assertThat(h.error).isZero();
    assertThat(h.host).isEqualTo("fd7a::1");
    assertThat(h.port).isEqualTo(8080);
    assertThat(new String(h.forwardHead, StandardCharsets.US_ASCII))
        .isEqualTo("GET / HTTP/1.0\r\nHost: [fd7a::1]:8080\r\nConnection: close\r\n\r\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "duplicate Content-Length|POST http://a/ HTTP/1.1\\r\\nContent-Length: 1\\r\\nContent-Length: 1\\r\\n\\r\\n|400",
        "Content-Length and chunked|POST http://a/ HTTP/1.1\\r\\nContent-Length: 1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n|400",
        "unknown transfer coding|POST http://a/ HTTP/1.1\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n|501",
        "negative length|POST http://a/ HTTP/1.1\\r\\nContent-Length: -1\\r\\n\\r\\n|400",
        "obsolete folding|GET http://a/ HTTP/1.1\\r\\nX: 1\\r\\n continued\\r\\n\\r\\n|400",
        "space before colon|GET http://a/ HTTP/1.1\\r\\nHost : a\\r\\n\\r\\n|400",
        "bare LF|GET http://a/ HTTP/1.1\\nHost: a\\r\\n\\r\\n|400",
        "duplicate Host|GET http://a/ HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n|400",
        "origin form|GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n|400",
        "https target|GET https://a/ HTTP/1.1\\r\\n\\r\\n|400",
        "userinfo|GET http://u@a/ HTTP/1.1\\r\\n\\r\\n|400",
        "CONNECT without port|CONNECT alpha HTTP/1.1\\r\\n\\r\\n|400",
        "port out of range|CONNECT alpha:70000 HTTP/1.1\\r\\n\\r\\n|400",
        "HTTP/2 line|GET http://a/ HTTP/2.0\\r\\n\\r\\n|400",
        "two spaces|GET  http://a/ HTTP/1.1\\r\\n\\r\\n|400",
      })
  void shouldRejectMalformedHeads(String what, String head, int status) {
    HttpRequestHead h = parse(head.replace("\\r", "\r").replace("\\n", "\n"));
    assertThat(h.error).as(what).isEqualTo(status);
  }

  @Test
  void shouldRefuseAHeadLongerThanTheLimit() {
    HttpRequestHead h = new HttpRequestHead();
    byte[] b =
        ("GET http://a/ HTTP/1.1\r\nX: " + "y".repeat(400)).getBytes(StandardCharsets.US_ASCII);
    assertThat(h.parse(b, b.length, 256)).isZero();
    assertThat(h.error).isEqualTo(431);
  }

  @Test
  void shouldNeverThrowOnGarbage() {
    Property.forAll(Gens.byteArrays(0, 400))
        .tries(3000)
        .check(
            raw -> {
              byte[] b = raw.clone();
              // Plant a head terminator so that the field parsing runs, not only the search for it.
              if (b.length > 8) {
                System.arraycopy(
                    "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0, b, b.length / 2, 4);
                System.arraycopy("GET ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
              }
              HttpRequestHead h = new HttpRequestHead();
              int r = h.parse(b, b.length, 300);
              assertThat(
                      r == HttpRequestHead.NEED_MORE
                          || (r == 0 && h.error >= 400)
                          || (r > 0 && h.error == 0))
                  .isTrue();
            });
  }
}
