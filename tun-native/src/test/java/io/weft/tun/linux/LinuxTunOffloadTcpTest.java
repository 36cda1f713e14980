package io.weft.tun.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Prerequisites;
import io.weft.testing.netns.NetworkNamespace;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel's own TCP through two offloading TUNs: namespace A's TUN hands its super-packets to a
 * Java forwarder as MTU-sized segments, which it writes to namespace B's TUN, where they are
 * coalesced back; and the other way for the ACKs. Data crosses intact, segments never exceed the
 * MTU, and both offloads were really used.
 */
class LinuxTunOffloadTcpTest {
  private static final int MTU = 1420;
  private static final int BYTES = 24 << 20;
  private static final int PORT = 5201;

  private NetworkNamespace a;
  private NetworkNamespace b;
  private LinuxTun tunA;
  private LinuxTun tunB;
  private Thread forwardAb;
  private Thread forwardBa;
  private final AtomicLong largestRead = new AtomicLong();
  private final AtomicInteger maxBatch = new AtomicInteger();
  private final AtomicLong packetsAb = new AtomicLong();

  @BeforeEach
  void twoNamespacesJoinedByAForwarder() throws Exception {
    Prerequisites.requireRootAndTools("ip");
    final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    a = NetworkNamespace.create("weft-off-a-" + id);
    b = NetworkNamespace.create("weft-off-b-" + id);
    tunA = a.call(() -> openTun("10.203.0.1/24"));
    tunB = b.call(() -> openTun("10.203.0.2/24"));
    assertThat(tunA.offloads()).as("kernel accepted TUNSETOFFLOAD").isTrue();
    assertThat(tunB.offloads()).isTrue();
    forwardAb = Thread.ofPlatform().daemon().name("fwd-a-b").start(() -> forward(tunA, tunB, true));
    forwardBa =
        Thread.ofPlatform().daemon().name("fwd-b-a").start(() -> forward(tunB, tunA, false));
  }

  private static LinuxTun openTun(String cidr) throws IOException {
    Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1");
    final LinuxTun t = LinuxTun.open("wo%d", MTU, 64, true);
    IpRoute2.addAddress(t.name(), cidr);
    return t;
  }

  private void forward(Tun from, Tun to, boolean measure) {
    final int batch = from.batchSize();
    final ByteBuffer[] bufs = new ByteBuffer[batch];
    final int[] sizes = new int[batch];
    for (int i = 0; i < batch; i++) {
      bufs[i] = ByteBuffer.allocate(16 + MTU + 64);
    }
    try {
      while (true) {
        final int n = from.read(bufs, sizes, 16);
        for (int i = 0; i < n; i++) {
          bufs[i].limit(16 + sizes[i]);
          if (measure) {
            largestRead.accumulateAndGet(sizes[i], Math::max);
          }
        }
        if (measure) {
          maxBatch.accumulateAndGet(n, Math::max);
          packetsAb.addAndGet(n);
        }
        to.write(bufs, n, 16);
        for (int i = 0; i < n; i++) {
          bufs[i].clear();
        }
      }
    } catch (ClosedChannelException e) {
      // closed by the test
    } catch (IOException e) {
      // the interface went away with its namespace
    }
  }

  @AfterEach
  void closeEverything() throws Exception {
    try {
      for (LinuxTun t : new LinuxTun[] {tunA, tunB}) {
        if (t != null) {
          t.close();
        }
      }
      for (Thread t : new Thread[] {forwardAb, forwardBa}) {
        if (t != null) {
          t.join(TimeUnit.SECONDS.toMillis(10));
        }
      }
    } finally {
      if (a != null) {
        a.close();
      }
      if (b != null) {
        b.close();
      }
    }
  }

  @Test
  void shouldCarryAKernelTcpTransferIntactWithSegmentationAndCoalescing() throws Exception {
    final ServerSocket server =
        b.call(() -> new ServerSocket(PORT, 1, java.net.InetAddress.getByName("10.203.0.2")));
    try (server) {
      server.setSoTimeout(30_000);
      final CompletableFuture<byte[]> received =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = server.accept();
                    InputStream in = s.getInputStream()) {
                  s.setSoTimeout(30_000);
                  final MessageDigest md = MessageDigest.getInstance("SHA-256");
                  final byte[] buf = new byte[65_536];
                  long total = 0;
                  int r;
                  while ((r = in.read(buf)) > 0) {
                    md.update(buf, 0, r);
                    total += r;
                  }
                  assertThat(total).isEqualTo(BYTES);
                  return md.digest();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // Socket::new would create its descriptor lazily, on this thread (outside the namespace).
      final Socket client = a.call(() -> java.nio.channels.SocketChannel.open()).socket();
      final MessageDigest sent = MessageDigest.getInstance("SHA-256");
      try (client) {
        client.connect(new InetSocketAddress("10.203.0.2", PORT), 10_000);
        client.setSoTimeout(30_000);
        final Random random = new Random(42);
        final byte[] chunk = new byte[256 * 1024];
        try (OutputStream out = client.getOutputStream()) {
          for (int sentBytes = 0; sentBytes < BYTES; sentBytes += chunk.length) {
            random.nextBytes(chunk);
            sent.update(chunk);
            out.write(chunk);
          }
        } catch (IOException e) {
          try {
            received.get(5, TimeUnit.SECONDS);
          } catch (Exception r) {
            e.addSuppressed(r); // the receiver's failure may explain the reset
          }
          throw e;
        }
      }
      assertThat(received.get(60, TimeUnit.SECONDS)).isEqualTo(sent.digest());
    }
    assertThat(largestRead.get()).as("segments are cut to the MTU").isLessThanOrEqualTo(MTU);
    // 24 MB in at most 1,380-byte segments is over 18,000 of them; several per read means the
    // kernel handed over super-packets.
    assertThat(packetsAb.get()).isGreaterThan(BYTES / MTU);
    assertThat(maxBatch.get())
        .as("one read split a super-packet into many segments")
        .isGreaterThan(4);
    assertThat(tunB.coalescedSegments())
        .as("segments written as super-packets")
        .isGreaterThan(1000);
    assertThat(tunA.offloadDrops() + tunB.offloadDrops()).isZero();
  }
}
