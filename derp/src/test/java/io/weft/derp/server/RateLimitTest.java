package io.weft.derp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.Metrics.Counter;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.ManualClock;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Receive rate limits per client and the accept rate limit, on a manual clock. */
class RateLimitTest {
  @TempDir Path dir;

  @Test
  void aClientOverItsRateShouldPauseUntilTheBucketRefills() throws Exception {
    ManualClock clock = new ManualClock();
    try (DerpServer s =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .clock(clock)
            .housekeepingTick(Duration.ZERO)
            .queueDepth(128) // so the bursts below are not queue drops
            .ioThreads(2)
            .build()) {
      Path cfg = dir.resolve("rate.json");
      Files.writeString(
          cfg, "{\"PerClientRateLimitBytesPerSec\":100000," + "\"PerClientRateBurstBytes\":1000}");
      RateConfig rc = RateConfig.load(cfg);
      assertThat(rc.burstBytes()).as("raised to one full SendPacket").isEqualTo(65568);
      s.updateRateLimits(rc);
      int port = s.listen(new InetSocketAddress("127.0.0.1", 0), null).getPort();
      URI u = URI.create("http://127.0.0.1:" + port + "/derp");
      Recorder ra = new Recorder();
      Recorder rb = new Recorder();
      try (DerpClient a = TestClients.connect(u, ra);
          DerpClient b = TestClients.connect(u, rb)) {
        byte[] p = new byte[1400]; // 1,432-byte frames: 45 fit in the burst, the 46th overdraws
        for (int i = 0; i < 100; i++) {
          a.send(b.publicKey(), p, 0, p.length);
        }
        Await.until("a paused", () -> s.rateLimitedClients() == 1);
        Await.until("46 delivered", () -> rb.received.get() == 46);
        s.housekeeping();
        assertThat(s.rateLimitedClients()).as("no refill without time").isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        s.housekeeping();
        Await.until("46 more after a second", () -> rb.received.get() == 92);
        clock.advance(Duration.ofSeconds(1));
        s.housekeeping();
        Await.until("the rest", () -> rb.received.get() == 100);
        Await.until("reading again", () -> s.rateLimitedClients() == 0);
        assertThat(s.metrics().get(Counter.RATE_LIMITED)).isEqualTo(2);
        // lifting the limit resumes a paused client at once
        for (int i = 0; i < 60; i++) {
          a.send(b.publicKey(), p, 0, p.length);
        }
        Await.until("paused again", () -> s.rateLimitedClients() == 1);
        s.updateRateLimits(RateConfig.NONE);
        Await.until("all 60 after the limit is lifted", () -> rb.received.get() == 160);
      }
    }
  }

  @Test
  void acceptsOverTheRateShouldBeClosedAtOnce() throws Exception {
    ManualClock clock = new ManualClock();
    try (DerpServer s =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .clock(clock)
            .housekeepingTick(Duration.ZERO)
            .acceptRate(1, 2)
            .ioThreads(1)
            .build()) {
      int port = s.listen(new InetSocketAddress("127.0.0.1", 0), null).getPort();
      try (Socket a = new Socket("127.0.0.1", port);
          Socket b = new Socket("127.0.0.1", port);
          Socket c = new Socket("127.0.0.1", port)) {
        c.setSoTimeout(5000);
        Await.until("third refused", () -> s.metrics().get(Counter.ACCEPT_LIMITED) == 1);
        assertThat(s.pendingConnections()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        try (Socket d = new Socket("127.0.0.1", port)) {
          Await.until("a fourth after a second", () -> s.pendingConnections() == 3);
        }
      }
    }
  }
}
