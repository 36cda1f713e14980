package io.weft.derp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.derp.Await;
import io.weft.derp.NodeKey;
import io.weft.derp.TestClients;
import io.weft.derp.TestClients.Recorder;
import io.weft.derp.client.DerpClient;
import io.weft.derp.server.Metrics.Counter;
import io.weft.wg.key.NoisePrivateKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 1,000 clients on one relay sending to random peers: while no queue can fill (at most a few
 * packets per destination per round, queues hold 32) every packet arrives, counted per destination;
 * one client that has stopped reading is also sent to, and nobody else stalls.
 */
class ScaleTest {
  static final int CLIENTS = 1000;
  static final int ROUNDS = 10;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void thousandClientsShouldExchangePacketsWithNoneLostAndAStuckOneStallingNobody()
      throws Exception {
    long seed = new SecureRandom().nextLong();
    Random rnd = new Random(seed);
    CountDownLatch release = new CountDownLatch(1);
    try (DerpServer server =
        DerpServer.builder(NoisePrivateKey.generate(TestClients.RANDOM))
            .admission(Admission.acceptAny())
            .ioThreads(2)
            .build()) {
      InetSocketAddress a = server.listen(new InetSocketAddress("127.0.0.1", 0), null);
      URI u = URI.create("http://127.0.0.1:" + a.getPort() + "/derp");
      List<DerpClient> cs = new ArrayList<>();
      List<Recorder> rs = new ArrayList<>();
      Recorder stuckRec =
          new Recorder() {
            @Override
            public void onPacket(NodeKey src, byte[] buf, int off, int len) {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          };
      try {
        DerpClient stuck = TestClients.connect(u, stuckRec);
        cs.add(stuck);
        for (int i = 0; i < CLIENTS; i++) {
          Recorder r = new Recorder();
          r.keep = false;
          rs.add(r);
          cs.add(TestClients.connect(u, r));
        }
        Await.until(
            "all registered",
            Duration.ofSeconds(60),
            () -> server.metrics().currentClients() == CLIENTS + 1);
        long[] expected = new long[CLIENTS];
        byte[] p = new byte[1400];
        long sentToStuck = 0;
        long start = System.nanoTime();
        for (int round = 0; round < ROUNDS; round++) {
          for (int i = 0; i < CLIENTS; i++) {
            int to = rnd.nextInt(CLIENTS);
            cs.get(1 + i).send(cs.get(1 + to).publicKey(), p, 0, p.length);
            expected[to]++;
            if (i % 10 == 0) {
              // and the stuck client gets a stream it never reads
              for (int k = 0; k < 20; k++) {
                cs.get(1 + i).send(stuck.publicKey(), p, 0, p.length);
                sentToStuck++;
              }
            }
          }
          final long want = (long) (round + 1) * CLIENTS;
          Await.until(
              "round " + round + " delivered (seed " + seed + ")",
              Duration.ofSeconds(60),
              () -> rs.stream().mapToLong(r -> r.received.get()).sum() == want);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < CLIENTS; i++) {
          assertThat(rs.get(i).received.get())
              .as("client %d (seed %d)", i, seed)
              .isEqualTo(expected[i]);
        }
        System.out.printf(
            "ScaleTest: %d clients, %d packets delivered in %.2f s (%d more to a "
                + "stuck client, %d dropped at its queue); loaded shared machine%n",
            CLIENTS,
            (long) ROUNDS * CLIENTS,
            secs,
            sentToStuck,
            server.metrics().get(Counter.DROP_QUEUE_HEAD)
                + server.metrics().get(Counter.DROP_QUEUE_TAIL));
      } finally {
        release.countDown();
        cs.forEach(DerpClient::close);
      }
    }
  }
}
