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
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * 100 MB transfers between the netstack and the Linux kernel over a TUN device, each checked by
 * SHA-256, with the kernel's own tools on the kernel side: {@code curl} downloading from an HTTP
 * server on the netstack, {@code socat} uploading to a netstack server, and the netstack dialling
 * {@code socat} servers in both directions; IPv4 and IPv6; clean and with 1 % and 5 % of packets
 * dropped each way by the fault injector. Needs root, /dev/net/tun, ip, socat, curl and bash:
 * skipped elsewhere, failed under CI=true.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 110, unit = TimeUnit.SECONDS)
class KernelBulkTransferTest {
  private KernelNamespace ns;

  /** Seeded random files by size in MiB, and their SHA-256. */
  private final Map<Integer, Path> files = new HashMap<>();

  private final Map<Integer, String> sha256 = new HashMap<>();

  @BeforeAll
  void setUp(@TempDir Path dir) throws Exception {
    Prerequisites.requireRootAndTools("socat", "curl", "bash", "sha256sum");
    for (int mib : new int[] {16, 100}) {
      final Path file = dir.resolve(mib + "M");
      sha256.put(mib, writeRandomFile(file, mib << 20, mib));
      files.put(mib, file);
    }
    ns = new KernelNamespace("b", NetStackConfig.of(KernelNamespace.interfaceConfig()));
  }

  @AfterAll
  void tearDown() {
    if (ns != null) {
      ns.close();
    }
  }

  private long started;

  @BeforeEach
  void startClock() {
    started = System.nanoTime();
  }

  @AfterEach
  void clearLoss(TestInfo test) {
    if (ns != null) {
      ns.setLoss(0, 0);
    }
    System.out.printf(
        "%s %s: %.1f s%n",
        test.getTestMethod().map(m -> m.getName()).orElse("?"),
        test.getDisplayName(),
        (System.nanoTime() - started) / 1e9);
  }

  // Rows: IP version, loss each way, MiB. Each transfer prints how long it took.

  @ParameterizedTest(name = "IPv{0}, loss {1}, {2} MiB")
  @CsvSource({"4, 0, 100", "6, 0, 100", "4, 0.01, 100", "6, 0.05, 100"})
  void curlShouldDownloadFromAnHttpServerOnTheNetstack(int family, double loss, int mib)
      throws Exception {
    ns.setLoss(loss, 11);
    final int port = 8080;
    try (HttpFileServer http =
        new HttpFileServer(ns.stack().listenTcp(port, 16), "data", files.get(mib))) {
      final String url =
          "http://" + (family == 4 ? STACK4 : "[" + STACK6 + "]") + ":" + port + "/data";
      final Process curl =
          ns.start(
              "bash",
              "-o",
              "pipefail",
              "-c",
              "curl -sS --fail -g --max-time 100 " + url + " | sha256sum");
      assertThat(hash(KernelNamespace.await(curl, 105))).isEqualTo(sha256.get(mib));
    }
  }

  @ParameterizedTest(name = "IPv{0}, loss {1}, {2} MiB")
  @CsvSource({"4, 0, 100", "6, 0, 100", "4, 0.05, 100", "6, 0.01, 100"})
  void socatShouldUploadToANetstackServer(int family, double loss, int mib) throws Exception {
    ns.setLoss(loss, 12);
    final int port = 7001;
    try (TcpServer server = ns.stack().listenTcp(port, 4)) {
      final Process socat =
          ns.start(
              "socat",
              "-u",
              "OPEN:" + files.get(mib),
              family == 4 ? "TCP:" + STACK4 + ":" + port : "TCP6:[" + STACK6 + "]:" + port);
      final String received;
      try (TcpConnection c = server.accept(Duration.ofSeconds(10))) {
        received = sha256Of(c);
      }
      KernelNamespace.await(socat, 30);
      assertThat(received).isEqualTo(sha256.get(mib));
    }
  }

  @ParameterizedTest(name = "IPv{0}, loss {1}, {2} MiB")
  @CsvSource({"4, 0.05, 100", "4, 0, 100", "6, 0, 100", "6, 0.01, 100"})
  void netstackShouldSendToAKernelSocatServer(int family, double loss, int mib) throws Exception {
    ns.setLoss(loss, 13);
    final int port = 7002;
    final Process socat =
        ns.start(
            "bash",
            "-o",
            "pipefail",
            "-c",
            "socat -u " + listen(family, port) + " STDOUT | sha256sum");
    try (TcpConnection c = dial(family, port)) {
      try (FileChannel in = FileChannel.open(files.get(mib), StandardOpenOption.READ)) {
        final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        while (in.read(chunk.clear()) > 0) {
          c.writeFully(chunk.flip());
        }
      }
      c.shutdownOutput();
      assertThat(c.inputStream().read()).isEqualTo(-1);
    }
    assertThat(hash(KernelNamespace.await(socat, 60))).isEqualTo(sha256.get(mib));
  }

  @ParameterizedTest(name = "IPv{0}, loss {1}, {2} MiB")
  @CsvSource({"4, 0, 100", "6, 0.05, 100"})
  void netstackShouldReceiveFromAKernelSocatServer(int family, double loss, int mib)
      throws Exception {
    ns.setLoss(loss, 14);
    final int port = 7003;
    final Process socat = ns.start("socat", "-u", "OPEN:" + files.get(mib), listen(family, port));
    final String received;
    try (TcpConnection c = dial(family, port)) {
      received = sha256Of(c);
    }
    KernelNamespace.await(socat, 30);
    assertThat(received).isEqualTo(sha256.get(mib));
  }

  private static String listen(int family, int port) {
    return family == 4
        ? "TCP-LISTEN:" + port + ",bind=" + KERNEL4 + ",reuseaddr"
        : "TCP6-LISTEN:" + port + ",bind=[" + KERNEL6 + "],reuseaddr,ipv6only";
  }

  /** Dials the kernel, retrying while the socat server is not listening yet. */
  private TcpConnection dial(int family, int port) throws Exception {
    final InetSocketAddress to =
        new InetSocketAddress(InetAddress.ofLiteral(family == 4 ? KERNEL4 : KERNEL6), port);
    final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return ns.stack().dialTcp(to, Duration.ofSeconds(5));
      } catch (ConnectException e) {
        if (System.nanoTime() > end) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }

  /** Reads {@code c} to the end and returns the SHA-256 of what came, in hex. */
  private static String sha256Of(TcpConnection c) throws IOException {
    final MessageDigest digest = sha256();
    final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    while (c.readBlocking(chunk.clear()) >= 0) {
      digest.update(chunk.flip());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The hash in {@code sha256sum} output. */
  private static String hash(String sha256sumOutput) {
    return sha256sumOutput.strip().split("\\s+")[0];
  }

  /** Writes {@code size} seeded random bytes to {@code file}; returns their SHA-256 in hex. */
  static String writeRandomFile(Path file, int size, long seed) throws IOException {
    final MessageDigest digest = sha256();
    final SplittableRandom random = new SplittableRandom(seed);
    final byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int left = size; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        final int n = Math.min(left, chunk.length);
        out.write(chunk, 0, n);
        digest.update(chunk, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
