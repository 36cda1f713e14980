package io.weft.bench.control;

import io.weft.control.client.ControlClient;
import io.weft.control.protocol.HostInfo;
import io.weft.control.protocol.Message;
import io.weft.control.protocol.MessageCodec;
import io.weft.control.protocol.PeerPatch;
import io.weft.control.protocol.RegisterStatus;
import io.weft.control.server.ControlConfig;
import io.weft.control.server.ControlServer;
import io.weft.control.server.MapStream;
import io.weft.control.server.Quotas;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.key.NoisePublicKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Fan-out of one endpoint change to N-1 peers' map streams, on an in-process server (SQLite).
 *
 * <p>The changing node is a real {@link ControlClient} over the Noise channel and sends {@code
 * hostinfo} with a new endpoint; the clock starts before that request and stops when the last peer
 * stream has the delta. Two kinds of peer:
 *
 * <ul>
 *   <li>{@code noise}: every peer is a real {@link ControlClient} with its own Noise connection,
 *       reader thread and map; the delta counts as arrived when the client has applied it. Each
 *       client holds the full map, so memory grows as N²: up to a few thousand nodes.
 *   <li>{@code sink}: peers are registered over Noise like the others, then their map streams are
 *       in-process sinks ({@link ControlServer#attachStream}) that keep the last delta; no socket,
 *       no encryption, no map. This is what reaches N = 10,000 on a small machine.
 * </ul>
 *
 * Bytes per peer stream are the framed message as the server writes it (4-byte length + JSON, its
 * own {@code seq} included); on the wire the Noise record adds 18 bytes (length + tag) per record.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.weft.bench.control.MapFanoutBench sink 100,1000,10000 [changes]
 * </pre>
 */
public final class MapFanoutBench {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int WARMUP_CHANGES = 20;
  private static final int REGISTER_PARALLELISM = 16;

  private MapFanoutBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "sink";
    if (!mode.equals("sink") && !mode.equals("noise")) {
      throw new IllegalArgumentException("mode must be sink or noise");
    }
    int[] sizes =
        Arrays.stream((args.length > 1 ? args[1] : "100,1000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int changes = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    System.out.printf(
        Locale.ROOT,
        "# %s, %d cores, max heap %d MiB, %s%n",
        Runtime.version(),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        mode);
    System.out.println(
        "| peers | mode | setup s | changes | fan-out p50 ms | p90 ms | max ms | µs per peer (p50) | bytes per peer stream per change | bytes to all streams per change | full maps after setup |");
    System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int n : sizes) {
      System.out.println(run(mode, n, changes));
      System.gc();
    }
  }

  /** One peer's view of the changes: what arrived and how many bytes it took. */
  private abstract static class Peer {
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong deltas = new AtomicLong();
    final AtomicLong fullMaps = new AtomicLong();
  }

  /** The change being timed: peers count down as they get the delta. */
  private record Round(
      long subjectId, String endpoint, CountDownLatch arrived, AtomicLong lastArrival) {
    void arrive() {
      // The time goes in before the count, so the main thread never reads a missing one.
      lastArrival.accumulateAndGet(System.nanoTime(), Math::max);
      arrived.countDown();
    }

    boolean matches(Message.MapMessage m) {
      if (m instanceof Message.MapDelta d && d.peersChanged() != null) {
        for (PeerPatch p : d.peersChanged()) {
          if (p.id() == subjectId && p.endpoints() != null && p.endpoints().contains(endpoint)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  private static volatile Round round;

  /**
   * An in-process stream: numbers messages like a session does and keeps the matching delta's size.
   */
  private static final class SinkPeer extends Peer implements MapStream {
    private long seq;

    /**
     * The timed delta as this stream numbered it; encoded after the round, as writer threads would.
     */
    private Message.MapDelta pending;

    @Override
    public synchronized boolean offer(Message.MapMessage m) {
      seq++;
      if (m instanceof Message.FullMap) {
        fullMaps.incrementAndGet();
        return true;
      }
      Round r = round;
      if (r != null && r.matches(m)) {
        Message.MapDelta d = (Message.MapDelta) m;
        pending =
            new Message.MapDelta(
                seq, d.version(), d.self(), d.peersAdded(), d.peersRemoved(), d.peersChanged());
        r.arrive();
      }
      return true;
    }

    synchronized void account() throws IOException {
      if (pending != null) {
        bytes.addAndGet(4 + MessageCodec.encode(pending).length);
        deltas.incrementAndGet();
        pending = null;
      }
    }

    synchronized void discard() {
      pending = null;
    }

    @Override
    public void end(String reason) {}
  }

  /** A real client: its own Noise connection and map. */
  private static final class ClientPeer extends Peer {
    ControlClient client;

    void listen() {
      client.onMapMessage(
          m -> {
            if (m instanceof Message.FullMap) {
              fullMaps.incrementAndGet();
              return;
            }
            Round r = round;
            if (r != null && r.matches(m)) {
              try {
                bytes.addAndGet(4 + MessageCodec.encode(m).length);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              deltas.incrementAndGet();
              r.arrive();
            }
          });
    }
  }

  private static String run(String mode, int n, int changes) throws Exception {
    Path dir = Files.createTempDirectory("weft-fanout");
    long setupStart = System.nanoTime();
    // One subject's changes back to back are what is measured: no per-node update rate limit, and
    // one key registers every node of the largest domain.
    Quotas quotas =
        Quotas.defaults()
            .withMaxNodesPerDomain(Quotas.maxNodesForFrame())
            .withMaxNodesPerKey(Integer.MAX_VALUE)
            .withUpdates(1, Duration.ZERO);
    try (ControlServer server =
        ControlServer.start(
            ControlConfig.defaults(dir).withKeepAlive(Duration.ofHours(1)).withQuotas(quotas))) {
      String key =
          server
              .admin()
              .createPreAuthKey("bench", null, true, false, true, List.of(), Duration.ofHours(2))
              .secret();
      NoisePublicKey serverKey = server.publicKey();
      NoisePrivateKey subjectMachine = NoisePrivateKey.generate(RANDOM);
      ControlClient subject = ControlClient.connect(server.url(), subjectMachine, serverKey);
      long subjectId = register(subject, "subject", key).self().id();

      List<Peer> peers = new ArrayList<>(n - 1);
      boolean sinks = mode.equals("sink");
      Semaphore slots = new Semaphore(REGISTER_PARALLELISM);
      List<Future<Peer>> joins = new ArrayList<>();
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 1; i < n; i++) {
          String host = "peer" + i;
          joins.add(
              ex.submit(
                  () -> {
                    slots.acquire();
                    try {
                      ControlClient c =
                          ControlClient.connect(
                              server.url(), NoisePrivateKey.generate(RANDOM), serverKey);
                      long id = register(c, host, key).self().id();
                      if (sinks) {
                        c.close();
                        SinkPeer s = new SinkPeer();
                        if (!server.attachStream(id, s)) {
                          throw new IllegalStateException("node " + id + " vanished");
                        }
                        return s;
                      }
                      ClientPeer p = new ClientPeer();
                      p.client = c;
                      p.listen();
                      c.subscribe();
                      return p;
                    } finally {
                      slots.release();
                    }
                  }));
        }
        for (Future<Peer> f : joins) {
          peers.add(f.get());
        }
      }
      if (!sinks) {
        // Wait until every client has every peer, so that setup traffic is over before timing.
        for (Peer p : peers) {
          ((ClientPeer) p).client.awaitMap(m -> m.peers().size() == n - 1, TIMEOUT);
        }
      }
      double setupSeconds = (System.nanoTime() - setupStart) / 1e9;

      long[] nanos = new long[changes];
      for (int i = -WARMUP_CHANGES; i < changes; i++) {
        if (i == 0) {
          for (Peer p : peers) {
            p.bytes.set(0);
            p.deltas.set(0);
          }
        }
        String endpoint = "198.51.100." + (1 + (i & 127)) + ":" + (40000 + (i + WARMUP_CHANGES));
        Round r = new Round(subjectId, endpoint, new CountDownLatch(n - 1), new AtomicLong());
        round = r;
        long start = System.nanoTime();
        subject.updateHostInfo(null, new HostInfo("subject", "linux", List.of(endpoint)), TIMEOUT);
        if (!r.arrived().await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException(
              "change "
                  + i
                  + " reached only "
                  + (n - 1 - r.arrived().getCount())
                  + " of "
                  + (n - 1)
                  + " peers");
        }
        if (i >= 0) {
          nanos[i] = r.lastArrival().get() - start;
        } else {
          for (Peer p : peers) {
            if (p instanceof SinkPeer s) {
              s.discard();
            }
          }
          continue;
        }
        for (Peer p : peers) {
          if (p instanceof SinkPeer s) {
            s.account();
          }
        }
      }
      round = null;
      long totalBytes = 0;
      long totalDeltas = 0;
      long maxPerStream = 0;
      long minPerStream = Long.MAX_VALUE;
      long fullMaps = 0;
      for (Peer p : peers) {
        long perStream = p.bytes.get();
        totalBytes += perStream;
        totalDeltas += p.deltas.get();
        maxPerStream = Math.max(maxPerStream, perStream);
        minPerStream = Math.min(minPerStream, perStream);
        fullMaps += p.fullMaps.get();
      }
      if (totalDeltas != (long) changes * (n - 1)) {
        throw new IllegalStateException(
            "expected " + changes * (n - 1) + " deltas, counted " + totalDeltas);
      }
      for (Peer p : peers) {
        if (p instanceof ClientPeer c) {
          c.client.close();
        }
      }
      subject.close();
      Arrays.sort(nanos);
      double p50 = nanos[changes / 2] / 1e6;
      double perStreamAvg = (double) totalBytes / totalDeltas;
      String perStream =
          minPerStream == maxPerStream
              ? String.format(Locale.ROOT, "%.0f", perStreamAvg)
              : String.format(
                  Locale.ROOT,
                  "%.1f (%.0f–%.0f)",
                  perStreamAvg,
                  (double) minPerStream / changes,
                  (double) maxPerStream / changes);
      return String.format(
          Locale.ROOT,
          "| %,d | %s | %.1f | %d | %.2f | %.2f | %.2f | %.2f | %s | %,d | %d |",
          n - 1,
          mode,
          setupSeconds,
          changes,
          p50,
          nanos[changes * 9 / 10] / 1e6,
          nanos[changes - 1] / 1e6,
          p50 * 1000 / (n - 1),
          perStream,
          totalBytes / changes,
          fullMaps / (n - 1));
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Message.RegisterResult register(ControlClient c, String host, String key)
      throws IOException {
    NoisePrivateKey node = NoisePrivateKey.generate(RANDOM);
    NoisePrivateKey disco = NoisePrivateKey.generate(RANDOM);
    Message.RegisterResult r =
        c.register(
            node.publicKey(),
            null,
            disco.publicKey(),
            new HostInfo(host, "linux", List.of("192.0.2.1:41641")),
            key,
            TIMEOUT);
    if (r.status() != RegisterStatus.AUTHORIZED) {
      throw new IllegalStateException(host + ": " + r.status() + " " + r.reason());
    }
    return r;
  }
}
