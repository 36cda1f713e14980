package io.weft.control.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.RegisterStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Noise channel before registration: any fresh keypair completes the handshake, so what such a
 * channel may hold is bounded in size and in time.
 */
class ControlChannelLimitsTest {
  @TempDir Path dir;
  private ControlServer server;

  private ControlServer start(TransportConfig transport) throws Exception {
    server = ControlServer.start(ControlConfig.defaults(dir).withAdminToken("admin"), transport);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private String authKey() {
    return server
        .admin()
        .createPreAuthKey("d", null, true, false, false, List.of(), Duration.ofHours(1))
        .secret();
  }

  @Test
  void shouldDropUnregisteredChannelsThatAnnounceLargeMessagesAndStillRegisterHonestNodes()
      throws Exception {
    start(TransportConfig.defaults());
    int attackers = 40;
    long heapBefore = usedHeapAfterGc();
    List<RawChannel> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < attackers; i++) {
        RawChannel c = RawChannel.open(server);
        // A frame header announcing just under 16 MiB, 256 KiB of it, then nothing.
        int announced = (16 << 20) - 1;
        byte[] part = new byte[256 * 1024];
        part[0] = (byte) (announced >>> 24);
        part[1] = (byte) (announced >>> 16);
        part[2] = (byte) (announced >>> 8);
        part[3] = (byte) announced;
        Arrays.fill(part, 4, part.length, (byte) '{');
        try {
          c.sendEncrypted(part);
        } catch (IOException e) {
          // Closed while we were still sending: what the test wants.
        }
        stalled.add(c);
      }
      for (RawChannel c : stalled) {
        byte[] got = c.awaitClosed(Duration.ofSeconds(10));
        assertThat(got).as("the server closes the channel at the frame header").isNotNull();
        if (got.length > 8) {
          assertThat(new String(got, 4, got.length - 4, StandardCharsets.UTF_8))
              .contains("413")
              .contains("limit");
        }
      }
      assertThat(server.droppedSessions()).isGreaterThanOrEqualTo(attackers);
      awaitTrue(() -> server.http().openConnections() <= 0, "no attacker connection stays open");
      // 40 x 16 MiB would be 640 MiB; what stays is at most a few MiB of noise.
      long grown = usedHeapAfterGc() - heapBefore;
      System.out.printf(
          "%d stalled 16 MiB announcements: heap grew %d KiB, %d channels dropped%n",
          attackers, grown >> 10, server.droppedSessions());
      assertThat(grown).isLessThan(64L << 20);
    } finally {
      for (RawChannel c : stalled) {
        c.close();
      }
    }
    String key = authKey();
    try (TestNode honest = new TestNode("honest", "127.0.0.1:41641")) {
      honest.connect(server);
      assertThat(honest.register(key).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    }
  }

  @Test
  void shouldCloseAChannelWhoseFirstMessageMissesTheDeadlineEvenWhileItTrickles() throws Exception {
    Duration deadline = Duration.ofMillis(400);
    start(TransportConfig.defaults().withSessionLimits(deadline, Duration.ofMinutes(5), 64 * 1024));
    long started = System.nanoTime();
    try (RawChannel silent = RawChannel.open(server)) {
      assertThat(silent.awaitClosed(Duration.ofSeconds(10)))
          .as("a silent channel is closed")
          .isNotNull();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(deadline);
    try (RawChannel trickle = RawChannel.open(server)) {
      trickle.sendEncrypted(new byte[] {0, 0, 1, 0});
      boolean closed = false;
      for (int i = 0; i < 200 && !closed; i++) {
        try {
          trickle.sendEncrypted(new byte[] {' '});
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = trickle.awaitClosed(Duration.ofMillis(50)) != null;
      }
      assertThat(closed)
          .as("a channel trickling its first message is closed at the deadline")
          .isTrue();
    }
    assertThat(server.droppedSessions()).isEqualTo(2);
  }

  @Test
  void shouldCloseAChannelThatDoesNotRegisterInTimeButKeepARegisteredOne() throws Exception {
    // Generous for the honest node's register (a store write, slow on a loaded machine), short
    // enough for the test.
    Duration registration = Duration.ofSeconds(4);
    start(
        TransportConfig.defaults()
            .withSessionLimits(Duration.ofSeconds(3), registration, 64 * 1024));
    String key = authKey();
    try (TestNode node = new TestNode("kept", "127.0.0.1:41641")) {
      node.connect(server);
      assertThat(node.register(key).status()).isEqualTo(RegisterStatus.AUTHORIZED);
      long started = System.nanoTime();
      RawChannel idler = RawChannel.open(server);
      // The idler keeps talking, but never registers.
      boolean closed = false;
      for (int i = 0; i < 400 && !closed; i++) {
        try {
          idler.sendFrame(
              MessageCodec.encode(
                  new Message.UpdateHostInfo(i + 1, null, new HostInfo("x", "linux", List.of()))));
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = idler.awaitClosed(Duration.ofMillis(100)) != null;
      }
      idler.close();
      assertThat(closed).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isGreaterThanOrEqualTo(registration);
      // Past both deadlines the registered node's channel still works.
      assertThat(node.register(null).status()).isEqualTo(RegisterStatus.AUTHORIZED);
    }
  }

  @Test
  void shouldRefuseAnUnregisteredMessageOverTheSmallLimitButAcceptALargerOneAfterRegistration()
      throws Exception {
    start(
        TransportConfig.defaults()
            .withSessionLimits(Duration.ofSeconds(10), Duration.ofMinutes(5), 1024));
    try (RawChannel c = RawChannel.open(server)) {
      byte[] big =
          MessageCodec.encode(
              new Message.UpdateHostInfo(
                  1, null, new HostInfo("x".repeat(2000), "linux", List.of())));
      c.sendFrame(big);
      byte[] got = c.awaitClosed(Duration.ofSeconds(10));
      assertThat(got).isNotNull();
      assertThat(new String(got, StandardCharsets.UTF_8)).contains("413");
    }
    String key = authKey();
    try (TestNode node = new TestNode("small", "127.0.0.1:41641")) {
      node.connect(server);
      assertThat(node.register(key).status()).isEqualTo(RegisterStatus.AUTHORIZED);
      // After registration the protocol's own limit applies: a 2 KiB register is accepted.
      node.endpoints = List.of("127.0.0.1:41641");
      assertThat(
              node.client
                  .register(
                      node.node.publicKey(),
                      null,
                      node.disco.publicKey(),
                      new HostInfo("h".repeat(60), "linux".repeat(300), node.endpoints),
                      null,
                      TestNode.TIMEOUT)
                  .status())
          .isNotNull();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
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
