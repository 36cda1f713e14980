package io.weft.control.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.RegisterStatus;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random input to everything a fresh keypair reaches: the handshake header, raw bytes and
 * records after the upgrade, and garbled message frames. Each channel is dropped (or answered with
 * an error), nothing is logged as an unexpected failure, and a real node registers afterwards.
 * {@code -Dweft.fuzz.seed=N} replays a run.
 */
class ControlChannelFuzzTest {
  private static final int ROUNDS = Integer.getInteger("weft.fuzz.rounds", 150);
  private static final SecureRandom KEYS = new SecureRandom();

  @TempDir Path dir;
  private ControlServer server;
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.WARNING.intValue() && r.getThrown() != null) {
            failures.add(r.getLoggerName() + ": " + r.getMessage() + " " + r.getThrown());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void start() throws Exception {
    Logger.getLogger("").addHandler(capture);
    server =
        ControlServer.start(
            ControlConfig.defaults(dir).withAdminToken("admin"),
            TransportConfig.defaults()
                .withSessionLimits(Duration.ofSeconds(1), Duration.ofMillis(1500), 64 * 1024));
  }

  @AfterEach
  void stop() {
    server.close();
    Logger.getLogger("").removeHandler(capture);
  }

  @Test
  void shouldDropGarbledHandshakesRecordsAndMessagesAndKeepServing() throws Exception {
    long seed = Long.getLong("weft.fuzz.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < ROUNDS; round++) {
      String what = "seed " + seed + ", round " + round;
      int kind = rnd.nextInt(5);
      if (kind == 0) {
        garbledHandshake(rnd, what);
        continue;
      }
      try (RawChannel c = RawChannel.open(server, NoisePrivateKey.generate(KEYS))) {
        try {
          switch (kind) {
            case 1 -> c.sendRaw(random(rnd, 1 + rnd.nextInt(300)));
            case 2 -> {
              int len = 16 + rnd.nextInt(200);
              byte[] rec = random(rnd, 2 + len);
              rec[0] = (byte) (len >>> 8);
              rec[1] = (byte) len;
              c.sendRaw(rec);
            }
            case 3 -> c.sendEncrypted(random(rnd, 1 + rnd.nextInt(300)));
            default -> c.sendFrame(mutate(rnd, MessageCodec.encode(validMessage(rnd))));
          }
          if (rnd.nextBoolean()) {
            // Half the time the input ends here; otherwise the server waits for the rest until a
            // deadline.
            c.socket.shutdownOutput();
          }
        } catch (IOException e) {
          // The server may close before the input is all sent.
        }
        if (kind == 4) {
          // A mutation may still be a well-formed request, answered on an open channel (its
          // deadline is ControlChannelLimitsTest's subject): give the server a moment, then hang
          // up.
          c.awaitClosed(Duration.ofMillis(100));
        } else {
          byte[] got = c.awaitClosed(Duration.ofSeconds(10));
          assertThat(got).as("%s: the channel is closed within the deadlines", what).isNotNull();
        }
      }
    }
    ControlChannelLimitsTest.awaitTrue(
        () -> server.http().openConnections() <= 0, "every fuzzed channel is closed");
    assertThat(server.droppedSessions()).as("seed " + seed).isPositive();
    assertThat(failures).as("seed " + seed + ": unexpected failures logged").isEmpty();
    String key =
        server
            .admin()
            .createPreAuthKey("d", null, true, false, false, List.of(), Duration.ofHours(1))
            .secret();
    try (TestNode node = new TestNode("after-fuzz", "127.0.0.1:41641")) {
      node.connect(server);
      assertThat(node.register(key).status())
          .as("seed " + seed)
          .isEqualTo(RegisterStatus.AUTHORIZED);
    }
  }

  private void garbledHandshake(Random rnd, String what) throws IOException {
    String header =
        switch (rnd.nextInt(3)) {
          case 0 -> Base64.getEncoder().encodeToString(random(rnd, rnd.nextInt(200)));
          case 1 ->
              new String(
                      random(rnd, rnd.nextInt(100)), java.nio.charset.StandardCharsets.ISO_8859_1)
                  .replaceAll("[\\r\\n\\x00-\\x1f\\x7f-\\xff]", "x");
          default -> "!" + "A".repeat(rnd.nextInt(200));
        };
    try (Socket s = RawChannel.upgradeRequest(server.listenAddress(), header)) {
      int status = RawChannel.readStatus(s.getInputStream());
      assertThat(status).as("%s: handshake header %s", what, header).isBetween(400, 499);
    }
  }

  private static Message validMessage(Random rnd) {
    String key = NoisePrivateKey.generate(KEYS).publicKey().toBase64();
    HostInfo info =
        new HostInfo(
            "host" + rnd.nextInt(100), "linux", List.of("127.0.0.1:" + (1 + rnd.nextInt(65535))));
    return switch (rnd.nextInt(4)) {
      case 0 ->
          new Message.Register(
              rnd.nextInt(100), key, null, key, info, "weft-key-" + rnd.nextInt(1000));
      case 1 -> new Message.UpdateHostInfo(rnd.nextInt(100), key, info);
      case 2 -> new Message.MapSubscribe(rnd.nextInt(100), null, rnd.nextInt(10) - 1);
      default -> new Message.Logout(rnd.nextInt(100));
    };
  }

  private static byte[] mutate(Random rnd, byte[] json) {
    byte[] b = json.clone();
    int edits = 1 + rnd.nextInt(3);
    for (int i = 0; i < edits; i++) {
      switch (rnd.nextInt(3)) {
        case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        case 1 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        default -> {
          byte[] chars =
              "{}[]\":,0123456789-etruflsn\\".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
          if (b.length > 0) {
            b[rnd.nextInt(b.length)] = chars[rnd.nextInt(chars.length)];
          }
        }
      }
      if (b.length == 0) {
        break;
      }
    }
    return b;
  }

  private static byte[] random(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }
}
