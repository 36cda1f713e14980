package io.weft.magicsock.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.weft.derp.server.DerpServer;
import io.weft.derp.server.Metrics;
import io.weft.derp.server.StunServer;
import io.weft.derp.stun.Stun;
import io.weft.testing.Prerequisites;
import io.weft.wg.key.NoisePrivateKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The STUN client against the relay's own STUN server and against a real coturn. */
class StunClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Test
  void mappedAddressFromTheRelaysStunServer() throws Exception {
    try (DerpServer relay =
            DerpServer.builder(NoisePrivateKey.generate(new SecureRandom())).ioThreads(1).build();
        StunServer stun =
            StunServer.bind(
                relay.eventLoopGroup(), new InetSocketAddress("127.0.0.1", 0), relay.metrics());
        DatagramChannel ch = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress("127.0.0.1", 0));
      InetSocketAddress mapped = StunClient.query(ch, stun.localAddress(), TIMEOUT);
      // on loopback there is no NAT: the mapped address is the socket's own
      assertEquals(ch.getLocalAddress(), mapped);
      assertEquals(1, relay.metrics().get(Metrics.Counter.STUN_REQUESTS));
    }
  }

  @Test
  void responsesToUnknownTransactionsAreDropped() throws Exception {
    StunClient c = new StunClient((d, to) -> {});
    byte[] stray = Stun.bindingResponse(Stun.newTxId(), new InetSocketAddress("127.0.0.1", 9));
    assertFalse(c.offer(stray, 0, stray.length));
    assertFalse(c.offer(new byte[3], 0, 3));
    assertEquals(2, c.dropped.sum());
  }

  @Test
  void silentServerTimesOut() throws Exception {
    try (DatagramChannel ch = DatagramChannel.open();
        DatagramChannel silent = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress("127.0.0.1", 0));
      silent.bind(new InetSocketAddress("127.0.0.1", 0));
      assertNull(
          StunClient.query(
              ch, (InetSocketAddress) silent.getLocalAddress(), Duration.ofMillis(200)));
    }
  }

  @Test
  void mappedAddressFromCoturn() throws Exception {
    Prerequisites.requireTools("turnserver");
    Path dir = Files.createTempDirectory("weft-coturn");
    int port = freeUdpPort();
    Path log = dir.resolve("turnserver.log");
    Process p =
        new ProcessBuilder(
                List.of(
                    Prerequisites.which("turnserver").toString(),
                    "-n",
                    "--listening-ip=127.0.0.1",
                    "--listening-port=" + port,
                    "--stun-only",
                    "--no-tls",
                    "--no-dtls",
                    "--no-cli",
                    "--simple-log",
                    "--log-file=" + log,
                    "--pidfile=" + dir.resolve("turnserver.pid")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .start();
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress("127.0.0.1", 0));
      InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
      // coturn needs a moment to bind: retry one transaction at a time, bounded
      InetSocketAddress mapped = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (mapped == null && p.isAlive() && System.nanoTime() < deadline) {
        mapped = StunClient.query(ch, server, Duration.ofMillis(250));
      }
      assertNotNull(
          mapped,
          "no answer from coturn (alive="
              + p.isAlive()
              + ") "
              + Files.readString(dir.resolve("stdout.txt")));
      assertEquals(ch.getLocalAddress(), mapped);
    } finally {
      p.destroy();
      if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramChannel c = DatagramChannel.open()) {
      c.bind(new InetSocketAddress("127.0.0.1", 0));
      return ((InetSocketAddress) c.getLocalAddress()).getPort();
    }
  }
}
