package io.weft.control.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Seeded random input to the request parser: random bytes and mutations of valid requests. The
 * server never answers 5xx, never hands a handler a body that disagrees with its framing, answers
 * 4xx or closes, and serves a well-formed request afterwards. Set {@code -Dweft.fuzz.seed=N} to
 * replay a failing case.
 */
class HttpFuzzTest {
  private static final int ROUNDS = Integer.getInteger("weft.fuzz.rounds", 400);
  private static final List<String> VALID =
      List.of(
          "GET /key HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
          "POST /admin/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\n"
              + "Content-Length: 16\r\nConnection: close\r\n\r\n{\"domain\":\"ops\"}",
          "GET /oidc/callback?state=abc&code=d%20e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
          "POST /weft/control HTTP/1.1\r\nHost: x\r\nUpgrade: weft-control-v1\r\nConnection: Upgrade\r\n"
              + "Weft-Handshake: AAAA\r\nContent-Length: 0\r\n\r\n",
          "GET /login/123 HTTP/1.0\r\n\r\n");
  private static final String[] FRAGMENTS = {
    "\r\n",
    "\n",
    "\r",
    " ",
    "\t",
    ":",
    "Content-Length: 5\r\n",
    "Transfer-Encoding: chunked\r\n",
    "\0",
    "\u00ff",
    "Content-Length: -1\r\n",
    "Content-Length: 99999999999\r\n",
    "%",
    "?",
    "HTTP/1.1",
    "\r\n\r\n",
    "0\r\n\r\n"
  };

  private final AtomicInteger handled = new AtomicInteger();
  private final AtomicInteger framingErrors = new AtomicInteger();
  private HttpServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    server =
        new HttpServer(
            new InetSocketAddress("127.0.0.1", 0),
            req -> {
              handled.incrementAndGet();
              String cl = req.header("content-length");
              if ((cl == null && req.body().length != 0)
                  || (cl != null && Integer.parseInt(cl) != req.body().length)) {
                framingErrors.incrementAndGet();
              }
              return HttpResponse.text(200, "ok");
            },
            head -> 1024,
            HttpLimits.defaults().withRequestDeadline(Duration.ofSeconds(2)),
            null);
    address = server.address();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void shouldAnswerRandomAndMutatedRequestsWith4xxOrCloseAndKeepServing() throws Exception {
    long seed = Long.getLong("weft.fuzz.seed", System.nanoTime());
    Random rnd = new Random(seed);
    int[] outcomes = new int[3];
    for (int round = 0; round < ROUNDS; round++) {
      byte[] input =
          rnd.nextInt(5) == 0
              ? randomBytes(rnd)
              : mutate(rnd, VALID.get(rnd.nextInt(VALID.size())));
      RawHttp.Answer a = RawHttp.exchange(address, input, true);
      String what =
          "seed "
              + seed
              + ", round "
              + round
              + ", input "
              + printable(input)
              + ", answer "
              + printable(a.text());
      assertThat(a.closed()).as(what).isTrue();
      if (!a.text().isEmpty()) {
        assertThat(a.status()).as(what).isBetween(100, 499);
      }
      outcomes[a.text().isEmpty() ? 0 : a.status() < 400 ? 1 : 2]++;
      if (round % 50 == 49) {
        assertThat(RawHttp.get(address, "/"))
            .as("the server still serves, seed " + seed)
            .isEqualTo(200);
      }
    }
    System.out.printf(
        "HttpFuzzTest seed %d: %d closed silently, %d served, %d refused with a 4xx%n",
        seed, outcomes[0], outcomes[1], outcomes[2]);
    assertThat(outcomes[1]).as("some mutations stay valid, seed " + seed).isPositive();
    assertThat(outcomes[2]).as("most are refused, seed " + seed).isGreaterThan(ROUNDS / 4);
    assertThat(framingErrors).as("seed " + seed).hasValue(0);
    assertThat(RawHttp.get(address, "/")).isEqualTo(200);
    assertThat(server.malformedRequests()).as("seed " + seed).isPositive();
  }

  private static byte[] randomBytes(Random rnd) {
    byte[] b = new byte[rnd.nextInt(600)];
    rnd.nextBytes(b);
    return b;
  }

  private static byte[] mutate(Random rnd, String valid) {
    List<Byte> b = new ArrayList<>();
    for (byte x : valid.getBytes(StandardCharsets.ISO_8859_1)) {
      b.add(x);
    }
    int edits = 1 + rnd.nextInt(4);
    for (int e = 0; e < edits && !b.isEmpty(); e++) {
      int at = rnd.nextInt(b.size());
      switch (rnd.nextInt(5)) {
        case 0 -> b.set(at, (byte) rnd.nextInt(256));
        case 1 -> b.remove(at);
        case 2 -> {
          for (byte x :
              FRAGMENTS[rnd.nextInt(FRAGMENTS.length)].getBytes(StandardCharsets.ISO_8859_1)) {
            b.add(at++, x);
          }
        }
        case 3 -> {
          int len = Math.min(b.size() - at, 1 + rnd.nextInt(20));
          List<Byte> copy = new ArrayList<>(b.subList(at, at + len));
          b.addAll(rnd.nextInt(b.size() + 1), copy);
        }
        default -> b.subList(at, b.size()).clear();
      }
    }
    byte[] out = new byte[b.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get(i);
    }
    return out;
  }

  private static String printable(Object o) {
    String s = o instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : o.toString();
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (sb.length() > 400) {
        sb.append("...");
        break;
      }
      sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
    }
    return sb.toString();
  }
}
