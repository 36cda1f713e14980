package io.weft.wg.httpupgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The client reads the server's upgrade answer strictly and within bounds. */
class UpgradeResponseTest {
  static UpgradeResponse parse(String head) throws IOException {
    return UpgradeResponse.read(
        new ByteArrayInputStream(head.getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void shouldReadASwitchingProtocolsAnswer() throws IOException {
    UpgradeResponse r =
        parse(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: weft-control-v1\r\n"
                + "Connection: Upgrade\r\n\r\n");
    assertThat(r.status()).isEqualTo(101);
    assertThat(r.upgrade()).isEqualTo("weft-control-v1");
    assertThat(r.contentLength()).isEqualTo(-1);
    assertThat(parse("HTTP/1.1 403 Forbidden\r\nContent-Length: 12\r\n\r\n").contentLength())
        .isEqualTo(12);
  }

  @Test
  void shouldRefuseWhatAParserMightGuessAt() {
    String[] bad = {
      "HTTP/1.1 101 OK\nUpgrade: x\n\n", // bare LF
      "HTTP/1.1 101 OK\r\nUpgrade : x\r\n\r\n", // whitespace before the colon
      "HTTP/1.1 101 OK\r\nUpgrade: x\r\n continued\r\n\r\n", // obs-fold
      "HTTP/1.1 403 No\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n", // duplicate length
      "HTTP/1.1 403 No\r\nContent-Length: +5\r\n\r\n",
      "HTTP/1.1 403 No\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 101 OK\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n",
      "HTTP/2 101 OK\r\n\r\n",
      "HTTP/1.1 1O1 OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
      "HTTP/1.1 101 OK\r\nX: a\u0000b\r\n\r\n",
      "HTTP/1.1 101 OK\r\nUpgrade: x\r\n", // ends before the blank line
      "",
      "HTTP/1.1 101 OK\r\n" + "X: y\r\n".repeat(101) + "\r\n",
      "HTTP/1.1 101 OK\r\nX: " + "y".repeat(9000) + "\r\n\r\n",
    };
    for (String b : bad) {
      assertThatThrownBy(() -> parse(b))
          .as("%s", b.replace("\r", "\\r").replace("\n", "\\n"))
          .isInstanceOf(MalformedResponseException.class)
          .hasMessageContaining("malformed HTTP response");
    }
  }

  @Test
  void shouldNeverThrowAnythingButMalformedResponseExceptionOnGarbage() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    byte[] alphabet =
        "HTP/1.0 1234567890:\r\n\t aZ-\u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < 20_000; i++) {
      byte[] input = new byte[random.nextInt(200)];
      for (int j = 0; j < input.length; j++) {
        input[j] =
            random.nextInt(4) == 0
                ? (byte) random.nextInt(256)
                : alphabet[random.nextInt(alphabet.length)];
      }
      String prefix = random.nextBoolean() ? "HTTP/1.1 101 OK\r\n" : "";
      byte[] p = prefix.getBytes(StandardCharsets.ISO_8859_1);
      byte[] all = new byte[p.length + input.length];
      System.arraycopy(p, 0, all, 0, p.length);
      System.arraycopy(input, 0, all, p.length, input.length);
      try {
        UpgradeResponse.read(new ByteArrayInputStream(all));
      } catch (MalformedResponseException e) {
        // refused: fine
      } catch (IOException | RuntimeException e) {
        throw new AssertionError("seed " + seed + ", case " + i + ": " + e, e);
      }
    }
  }
}
