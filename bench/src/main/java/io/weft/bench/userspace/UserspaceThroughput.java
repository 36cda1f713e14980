package io.weft.bench.userspace;

import io.weft.agent.userspace.NetstackTun;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Binds;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.device.Device;
import io.weft.wg.device.Peer;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.time.NanoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bulk TCP between two userspace-mode nodes in one JVM: each is a WireGuard {@link Device} whose
 * plaintext side is a {@link NetstackTun}, the two joined by real UDP binds on loopback (no
 * coordination server; the peers are configured directly). Node A writes {@code --bytes} to a TCP
 * connection to node B, which reads and counts them; the figure is goodput from the first write to
 * the last byte read.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
 *     -cp bench/target/benchmarks.jar io.weft.bench.userspace.UserspaceThroughput \
 *     [--bytes=256m] [--runs=3] [--warmups=2] [--bind=plain|batch] [--mtu=1420] [--tcp-buffer=4m]
 * </pre>
 *
 * {@code --warmups=0 --runs=1 --bytes=8m} is what {@code weft quickstart} sees: a cold JVM. {@code
 * --bind=plain} is the JDK {@link UdpBind} (what {@code BackendConfig} uses today); {@code batch}
 * is {@link Binds#defaultBind()} (recvmmsg/sendmmsg on Linux with native access).
 */
public final class UserspaceThroughput {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int PORT = 5201;
  private static final int CHUNK = 256 * 1024;

  private UserspaceThroughput() {}

  /** One node: a device over a userspace stack, listening on loopback UDP. */
  static final class Node implements AutoCloseable {
    final NoisePrivateKey key = NoisePrivateKey.generate(RANDOM);
    final NetstackTun tun;
    final Device device;
    final String v4;

    Node(int id, int mtu, boolean batchBind, int tcpBuffer) throws IOException {
      v4 = "100.64.0." + id;
      NetStackConfig config =
          NetStackConfig.of(
              InterfaceConfig.of(IpAddress.parse(v4), IpAddress.parse("fd7a:115c:a1e0::" + id))
                  .withMtu(mtu));
      if (tcpBuffer > 0) {
        config = config.withTcp(config.tcp().withBuffers(tcpBuffer, tcpBuffer));
      }
      tun = new NetstackTun("node" + id, config, NetstackTun.DEFAULT_QUEUE);
      Bind bind = batchBind ? Binds.defaultBind() : new UdpBind();
      device =
          new Device(tun, bind, NanoClock.SYSTEM, System.getLogger("bench.userspace.node" + id));
      device.setPrivateKey(key);
      device.up();
    }

    void peerWith(Node other) throws IOException {
      Peer p = device.addPeer(other.key.publicKey());
      device.addAllowedIp(p, InetAddress.getByName(other.v4).getAddress(), 32);
      p.setEndpoint(device.parseEndpoint("127.0.0.1:" + other.device.listenPort()));
    }

    @Override
    public void close() {
      device.close();
    }
  }

  public static void main(String[] args) throws Exception {
    long bytes = 256L << 20;
    int runs = 3;
    boolean batch = false;
    int mtu = 1420;
    int warmups = 2;
    int tcpBuffer = 0;
    for (String a : args) {
      if (a.startsWith("--bytes=")) {
        bytes = parseSize(a.substring(8));
      } else if (a.startsWith("--runs=")) {
        runs = Integer.parseInt(a.substring(7));
      } else if (a.startsWith("--bind=")) {
        batch =
            switch (a.substring(7)) {
              case "plain" -> false;
              case "batch" -> true;
              default -> throw new IllegalArgumentException("--bind=plain|batch");
            };
      } else if (a.startsWith("--warmups=")) {
        warmups = Integer.parseInt(a.substring(10));
      } else if (a.startsWith("--tcp-buffer=")) {
        tcpBuffer = (int) parseSize(a.substring(13));
      } else if (a.startsWith("--mtu=")) {
        mtu = Integer.parseInt(a.substring(6));
      } else {
        throw new IllegalArgumentException("unknown option " + a);
      }
    }
    try (Node a = new Node(1, mtu, batch, tcpBuffer);
        Node b = new Node(2, mtu, batch, tcpBuffer)) {
      a.peerWith(b);
      b.peerWith(a);
      // The handshake, then warm-up runs (not reported) so that the JIT has compiled the path.
      a.tun.stack().ping(InetAddress.getByName(b.v4), Duration.ofSeconds(10));
      System.out.printf(
          Locale.ROOT,
          "userspace: %s bind, MTU %d, TCP buffers %s, %d MiB per run, %d cores%n",
          batch ? "batch" : "plain",
          mtu,
          tcpBuffer > 0 ? (tcpBuffer >> 10) + " KiB" : "default",
          bytes >> 20,
          Runtime.getRuntime().availableProcessors());
      for (int w = 0; w < warmups; w++) {
        transfer(a, b, Math.max(CHUNK, bytes / 2));
      }
      double sum = 0;
      double cpuSum = 0;
      for (int r = 0; r < runs; r++) {
        long gcBefore = gcCount();
        long cpuBefore = processCpuNanos();
        long t = transfer(a, b, bytes);
        long cpu = processCpuNanos() - cpuBefore;
        double gbit = bytes * 8.0 / t;
        double perCore = bytes * 8.0 / cpu;
        sum += gbit;
        cpuSum += perCore;
        System.out.printf(
            Locale.ROOT,
            "run %d: %.3f Gbit/s (%.1f MB/s), %.2f s, CPU %.2f s (%.2f cores busy; %.3f Gbit/s per CPU-second),"
                + " %d GCs, tun drops a=%d b=%d%n",
            r + 1,
            gbit,
            bytes / (t / 1e3),
            t / 1e9,
            cpu / 1e9,
            (double) cpu / t,
            perCore,
            gcCount() - gcBefore,
            a.tun.dropped(),
            b.tun.dropped());
      }
      System.out.printf(
          Locale.ROOT,
          "mean: %.3f Gbit/s, %.3f Gbit/s per CPU-second%n",
          sum / runs,
          cpuSum / runs);
    }
    System.exit(0);
  }

  /** Moves {@code bytes} from a to b over one new connection; returns the nanoseconds taken. */
  static long transfer(Node a, Node b, long bytes) throws Exception {
    AtomicLong received = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (TcpServer server = b.tun.stack().listenTcp(PORT, 4)) {
      Thread reader =
          Thread.ofPlatform()
              .name("bench-reader")
              .start(
                  () -> {
                    try (TcpConnection c = server.accept(Duration.ofSeconds(30))) {
                      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
                      long n = 0;
                      while (n < bytes) {
                        buf.clear();
                        int r = c.readBlocking(buf);
                        if (r < 0) {
                          throw new IOException("end of stream after " + n + " bytes");
                        }
                        n += r;
                      }
                      received.set(n);
                      finished.set(System.nanoTime());
                    } catch (Throwable e) {
                      failure.set(e);
                    }
                  });
      try (TcpConnection c =
          a.tun.stack().dialTcp(new InetSocketAddress(b.v4, PORT), Duration.ofSeconds(10))) {
        c.setWriteTimeout(Duration.ofSeconds(60));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        RANDOM.nextBytes(chunk.array());
        long start = System.nanoTime();
        long left = bytes;
        while (left > 0) {
          chunk.clear().limit((int) Math.min(CHUNK, left));
          left -= chunk.remaining();
          c.writeFully(chunk);
        }
        reader.join(Duration.ofSeconds(120));
        if (failure.get() != null) {
          throw new IOException("reader failed", failure.get());
        }
        if (received.get() != bytes) {
          throw new IOException("received " + received.get() + " of " + bytes + " bytes");
        }
        return finished.get() - start;
      }
    }
  }

  /** CPU time of the whole process (all threads, GC included), so loaded-machine runs compare. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static long gcCount() {
    long n = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      n += Math.max(0, gc.getCollectionCount());
    }
    return n;
  }

  private static long parseSize(String s) {
    String t = s.toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k")) {
      unit = 1L << 10;
    } else if (t.endsWith("m")) {
      unit = 1L << 20;
    } else if (t.endsWith("g")) {
      unit = 1L << 30;
    }
    return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
  }
}
