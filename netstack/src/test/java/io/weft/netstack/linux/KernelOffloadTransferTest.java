package io.weft.netstack.linux;

import static io.weft.netstack.linux.KernelNamespace.KERNEL4;
import static io.weft.netstack.linux.KernelNamespace.KERNEL6;
import static io.weft.netstack.linux.KernelNamespace.STACK4;
import static io.weft.netstack.linux.KernelNamespace.STACK6;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.NetStackConfig;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.testing.Prerequisites;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel's TCP segmentation offload into the netstack: the TUN runs with the virtio header and
 * TSO ({@link OffloadTun}), so the kernel writes TCP super-segments of up to 64 KB with a partial
 * checksum, which the stack takes as single large segments (LRO-style); and the stack sends
 * super-segments with a GSO header for the kernel to take whole. 100 MiB checked by SHA-256, IPv4
 * and IPv6; uploads also with 1 % loss each way (a dropped super-segment loses up to 45 MSS at
 * once; the stack's own super-segments skip the fault injector).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 110, unit = TimeUnit.SECONDS)
class KernelOffloadTransferTest {
  private KernelNamespace ns;
  private Path file;
  private String sha256;

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    Prerequisites.requireRootAndTools("socat", "bash", "sha256sum");
    file = dir.resolve("100M");
    sha256 = KernelBulkTransferTest.writeRandomFile(file, 100 << 20, 100);
    ns =
        new KernelNamespace(
            "o",
            NetStackConfig.of(KernelNamespace.interfaceConfig()).withReceiveQueue(256, 65535),
            true);
  }

  @AfterAll
  void tearDown() {
    if (ns != null) {
      ns.close();
    }
  }

  @AfterEach
  void clearLoss() {
    if (ns != null) {
      ns.setLoss(0, 0);
    }
  }

  @ParameterizedTest(name = "IPv{0}, loss {1}")
  @CsvSource({"4, 0", "6, 0", "4, 0.01"})
  void kernelShouldUploadSuperSegmentsToANetstackServer(int family, double loss) throws Exception {
    ns.setLoss(loss, 21);
    final long packetsBefore = ns.stack().stats().rxPackets();
    final int port = 7101;
    try (TcpServer server = ns.stack().listenTcp(port, 4)) {
      final Process socat =
          ns.start(
              "socat",
              "-u",
              "OPEN:" + file,
              family == 4 ? "TCP:" + STACK4 + ":" + port : "TCP6:[" + STACK6 + "]:" + port);
      final MessageDigest digest = MessageDigest.getInstance("SHA-256");
      long bytes = 0;
      try (TcpConnection c = server.accept(Duration.ofSeconds(10))) {
        final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        int n;
        while ((n = c.readBlocking(chunk.clear())) >= 0) {
          digest.update(chunk.flip());
          bytes += n;
        }
      }
      KernelNamespace.await(socat, 60);
      assertThat(bytes).isEqualTo(100L << 20);
      assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(sha256);
    }
    // The kernel really sent super-segments: far fewer packets than MSS-sized segments.
    assertThat(ns.stack().stats().rxPackets() - packetsBefore)
        .as("packets into the stack")
        .isLessThan((100L << 20) / 1368 / 4);
  }

  @ParameterizedTest(name = "IPv{0}")
  @CsvSource({"4", "6"})
  void netstackShouldSendThroughTheOffloadTun(int family) throws Exception {
    final long packetsBefore = ns.stack().stats().txPackets();
    final int port = 7102;
    final Process socat =
        ns.start(
            "bash",
            "-o",
            "pipefail",
            "-c",
            "socat -u "
                + (family == 4
                    ? "TCP-LISTEN:" + port + ",bind=" + KERNEL4 + ",reuseaddr"
                    : "TCP6-LISTEN:" + port + ",bind=[" + KERNEL6 + "],reuseaddr,ipv6only")
                + " STDOUT | sha256sum");
    final InetSocketAddress to =
        new InetSocketAddress(InetAddress.ofLiteral(family == 4 ? KERNEL4 : KERNEL6), port);
    TcpConnection c = null;
    final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (c == null) {
      try {
        c = ns.stack().dialTcp(to, Duration.ofSeconds(5));
      } catch (java.net.ConnectException e) {
        if (System.nanoTime() > end) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
    try (TcpConnection conn = c;
        java.nio.channels.FileChannel in = java.nio.channels.FileChannel.open(file)) {
      final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      while (in.read(chunk.clear()) > 0) {
        conn.writeFully(chunk.flip());
      }
      conn.shutdownOutput();
      assertThat(conn.inputStream().read()).isEqualTo(-1);
    }
    assertThat(KernelNamespace.await(socat, 60).strip().split("\\s+")[0]).isEqualTo(sha256);
    // The stack sent super-segments: far fewer packets than MSS-sized segments.
    assertThat(ns.stack().stats().txPackets() - packetsBefore)
        .as("packets from the stack")
        .isLessThan((100L << 20) / 1368 / 4);
  }
}
