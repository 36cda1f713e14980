package io.weft.control.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random and mutated inputs to the control messages' JSON decoding: each either decodes or
 * fails with an {@link IOException} (which the server answers with a clear error); nothing else
 * escapes. A failure names the seed and the input, to replay it.
 */
class MessageCodecFuzzTest {
  static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
  static final int ROUNDS = 10_000;
  static final String[] TYPES = {
    "register",
    "hostinfo",
    "map-subscribe",
    "logout",
    "register-result",
    "login-complete",
    "ack",
    "error",
    "map-full",
    "map-delta",
    "keepalive",
    "goodbye",
    "nope",
    ""
  };
  static final String[] FIELDS = {
    "type",
    "id",
    "nodeKey",
    "oldNodeKey",
    "discoKey",
    "hostInfo",
    "authKey",
    "hostname",
    "os",
    "endpoints",
    "epoch",
    "sinceVersion",
    "status",
    "loginUrl",
    "self",
    "reason",
    "code",
    "seq",
    "version",
    "domain",
    "peers",
    "peersAdded",
    "peersRemoved",
    "peersChanged",
    "addresses",
    "tags",
    "online",
    "lastSeen",
    "keyExpiry",
    "expired",
    "approved",
    "name",
    "user",
    "machineKey"
  };

  static List<byte[]> samples() throws IOException {
    HostInfo h = new HostInfo("host", "linux", List.of("192.0.2.1:1", "[2001:db8::1]:2"));
    Node n =
        new Node(
            7,
            "n",
            "h",
            "u",
            "k",
            "d",
            "m",
            List.of("100.64.0.1/32"),
            List.of("192.0.2.1:1"),
            true,
            1,
            2,
            false,
            true,
            List.of("tag:a"));
    List<Message> ms =
        List.of(
            new Message.Register(1, "nk", null, "dk", h, "weft-auth-x"),
            new Message.UpdateHostInfo(2, "dk", h),
            new Message.MapSubscribe(3, "e", 4),
            new Message.Logout(4),
            new Message.RegisterResult(5, RegisterStatus.AUTHORIZED, null, n, null),
            new Message.LoginComplete(n),
            new Message.Ack(6),
            new Message.Error(7, 400, "bad"),
            new Message.FullMap(1, "e", 2, "dom", n, List.of(n)),
            new Message.MapDelta(
                2,
                3,
                n,
                List.of(n),
                List.of(1L),
                List.of(
                    new PeerPatch(
                        7, null, null, List.of("192.0.2.1:2"), true, 5L, null, null, null, null))),
            new Message.KeepAlive(3, 4),
            new Message.Goodbye("bye"));
    List<byte[]> out = new ArrayList<>();
    for (Message m : ms) {
      out.add(MessageCodec.encode(m));
    }
    return out;
  }

  /** Decodes {@code input}; fails the test if anything but an IOException escapes. */
  static void decodeOrRefuse(byte[] input, long seed, int round) {
    try {
      MessageCodec.decode(input);
    } catch (IOException expected) {
      assertThat(expected.getMessage()).isNotNull();
    } catch (Throwable t) {
      throw new AssertionError(
          "seed "
              + seed
              + " round "
              + round
              + ": "
              + t
              + " escaped for input "
              + new String(input, 0, Math.min(input.length, 400), StandardCharsets.ISO_8859_1),
          t);
    }
  }

  @Test
  void shouldRefuseMutatedMessagesWithAnIoException() throws IOException {
    Random r = new Random(SEED);
    List<byte[]> samples = samples();
    for (int round = 0; round < ROUNDS; round++) {
      byte[] base = samples.get(r.nextInt(samples.size()));
      decodeOrRefuse(mutate(base, r), SEED, round);
    }
  }

  @Test
  void shouldRefuseRandomBytesAndRandomJsonWithAnIoException() {
    Random r = new Random(SEED);
    for (int round = 0; round < ROUNDS; round++) {
      byte[] input;
      if (r.nextBoolean()) {
        input = new byte[r.nextInt(64)];
        r.nextBytes(input);
      } else {
        StringBuilder b = new StringBuilder();
        randomObject(b, r, 0, true);
        input = b.toString().getBytes(StandardCharsets.UTF_8);
      }
      decodeOrRefuse(input, SEED, round);
    }
  }

  @Test
  void shouldRefuseDeepNestingAndHugeNumbers() {
    decodeOrRefuse(
        ("{\"type\":\"register\",\"hostInfo\":" + "[".repeat(100_000))
            .getBytes(StandardCharsets.UTF_8),
        0,
        0);
    decodeOrRefuse(
        ("{\"type\":\"ack\",\"id\":" + "9".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8),
        0,
        1);
    decodeOrRefuse(
        "{\"type\":\"hostinfo\",\"hostInfo\":{\"endpoints\":[null]}}"
            .getBytes(StandardCharsets.UTF_8),
        0,
        2);
    decodeOrRefuse(
        "{\"type\":\"map-full\",\"peers\":[null]}".getBytes(StandardCharsets.UTF_8), 0, 3);
    decodeOrRefuse(
        "{\"type\":\"register-result\",\"status\":\"NOPE\"}".getBytes(StandardCharsets.UTF_8),
        0,
        4);
  }

  @Test
  void shouldRefuseLyingFrameHeadersWithAnIoException() {
    Random r = new Random(SEED);
    for (int round = 0; round < 2_000; round++) {
      byte[] frame = new byte[r.nextInt(40)];
      r.nextBytes(frame);
      try {
        MessageCodec.read(new ByteArrayInputStream(frame));
      } catch (IOException expected) {
        // A clear refusal.
      } catch (Throwable t) {
        throw new AssertionError("seed " + SEED + " round " + round + ": " + t, t);
      }
    }
  }

  @Test
  void shouldNeverWriteAFrameOverTheLimit() {
    var out = new java.io.ByteArrayOutputStream();
    Message big = new Message.Goodbye("x".repeat(Protocol.MAX_MESSAGE_BYTES));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> MessageCodec.write(out, big))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("frame limit");
    assertThat(out.size()).isZero();
  }

  static byte[] mutate(byte[] base, Random r) {
    byte[] b = base.clone();
    int edits = 1 + r.nextInt(4);
    String s = new String(b, StandardCharsets.ISO_8859_1);
    for (int e = 0; e < edits; e++) {
      int at = s.isEmpty() ? 0 : r.nextInt(s.length());
      switch (r.nextInt(7)) {
        case 0 ->
            s =
                s.substring(0, at)
                    + (char) r.nextInt(256)
                    + s.substring(Math.min(s.length(), at + 1));
        case 1 -> s = s.substring(0, at);
        case 2 -> s = s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + r.nextInt(8)));
        case 3 ->
            s =
                s.substring(0, at)
                    + pick(
                        r,
                        "null",
                        "[]",
                        "{}",
                        "\"\"",
                        "-1",
                        "1e999",
                        "true",
                        "\"\\u0000\"",
                        "[null]",
                        "9223372036854775808",
                        "\"x\"",
                        ",",
                        ":",
                        "\"type\":\"ack\"")
                    + s.substring(at);
        case 4 -> s = s.replaceFirst("\"type\":\"[a-z-]*\"", "\"type\":\"" + pick(r, TYPES) + "\"");
        case 5 ->
            s =
                s.replaceFirst(
                    ":\"[^\"]*\"", ":" + pick(r, "null", "1", "[]", "{}", "[\"a\",null]"));
        default ->
            s =
                s.replaceFirst(
                    ":\\[[^\\]]*\\]",
                    ":" + pick(r, "null", "\"s\"", "[1,2]", "[[]]", "[null]", "{}"));
      }
    }
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String pick(Random r, String... options) {
    return options[r.nextInt(options.length)];
  }

  static void randomObject(StringBuilder b, Random r, int depth, boolean top) {
    b.append('{');
    int n = r.nextInt(6);
    if (top) {
      b.append("\"type\":\"").append(pick(r, TYPES)).append('"');
      if (n > 0) {
        b.append(',');
      }
    }
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append('"').append(pick(r, FIELDS)).append("\":");
      randomValue(b, r, depth + 1);
    }
    b.append('}');
  }

  static void randomValue(StringBuilder b, Random r, int depth) {
    switch (depth > 4 ? r.nextInt(4) : r.nextInt(7)) {
      case 0 -> b.append(pick(r, "null", "true", "false"));
      case 1 ->
          b.append(
              r.nextInt(3) == 0
                  ? Long.toString(r.nextLong())
                  : Integer.toString(r.nextInt(1000) - 500));
      case 2 ->
          b.append('"')
              .append(
                  pick(
                      r,
                      "",
                      "x",
                      "AUTHORIZED",
                      "REJECTED",
                      "NEEDS_LOGIN",
                      "192.0.2.1:1",
                      "\\u0000",
                      "\\ud800"))
              .append('"');
      case 3 -> b.append(pick(r, "1.5", "-0", "1e308", "1e999"));
      case 4 -> randomObject(b, r, depth, false);
      default -> {
        b.append('[');
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            b.append(',');
          }
          randomValue(b, r, depth + 1);
        }
        b.append(']');
      }
    }
  }
}
