package io.weft.netstack.linux;

import static io.weft.netstack.linux.KernelNamespace.KERNEL4;
import static io.weft.netstack.linux.KernelNamespace.KERNEL6;
import static io.weft.netstack.linux.KernelNamespace.STACK4;
import static io.weft.netstack.linux.KernelNamespace.STACK6;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.testing.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack against the Linux kernel's TCP/IP over a real TUN device. The device is moved into a
 * network namespace this test creates, and the kernel side (socat) runs inside it, so no traffic
 * leaves the namespace ({@link KernelNamespace}). Needs root, /dev/net/tun, ip and socat: skipped
 * elsewhere, failed under CI=true.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelInteropTest {
  private KernelNamespace ns;
  private NetStack stack;

  @TempDir Path dir;

  @BeforeAll
  void setUp() throws Exception {
    Prerequisites.requireRootAndTools("socat");
    ns = new KernelNamespace("k", NetStackConfig.of(KernelNamespace.interfaceConfig()));
    stack = ns.stack();
  }

  @AfterAll
  void tearDown() {
    if (ns != null) {
      ns.close();
    }
  }

  private Process nsStart(String... command) throws IOException {
    return ns.start(command);
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  @Test
  void shouldAnswerTheKernelsPingAndPingTheKernel() throws Exception {
    Duration rtt = stack.ping(InetAddress.ofLiteral(KERNEL4), Duration.ofSeconds(5));
    assertThat(rtt).isLessThan(Duration.ofSeconds(5));
    Duration rtt6 = stack.ping(InetAddress.ofLiteral(KERNEL6), Duration.ofSeconds(5));
    assertThat(rtt6).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void shouldReceiveFromAKernelTcpClient() throws Exception {
    byte[] data = randomBytes(8 << 20, 1);
    Path file = dir.resolve("upload");
    Files.write(file, data);
    try (TcpServer server = stack.listenTcp(7001, 4)) {
      Process client = nsStart("socat", "-u", "OPEN:" + file, "TCP:" + STACK4 + ":7001");
      TcpConnection c = server.accept(Duration.ofSeconds(10));
      byte[] received = c.inputStream().readAllBytes();
      c.close();
      assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(received.length).isEqualTo(data.length);
      assertThat(sha256(received)).isEqualTo(sha256(data));
    }
  }

  @Test
  void shouldReceiveFromAKernelTcpClientOverIpv6() throws Exception {
    byte[] data = randomBytes(1 << 20, 2);
    Path file = dir.resolve("upload6");
    Files.write(file, data);
    try (TcpServer server = stack.listenTcp(7002, 4)) {
      Process client = nsStart("socat", "-u", "OPEN:" + file, "TCP6:[" + STACK6 + "]:7002");
      TcpConnection c = server.accept(Duration.ofSeconds(10));
      byte[] received = c.inputStream().readAllBytes();
      c.close();
      assertThat(client.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(sha256(received)).isEqualTo(sha256(data));
    }
  }

  @Test
  void shouldSendToAKernelTcpServer() throws Exception {
    byte[] data = randomBytes(8 << 20, 3);
    Path file = dir.resolve("download");
    Process server =
        nsStart("socat", "-u", "TCP-LISTEN:7003,bind=" + KERNEL4 + ",reuseaddr", "CREATE:" + file);
    TcpConnection c = dialWithRetry(new InetSocketAddress(InetAddress.ofLiteral(KERNEL4), 7003));
    c.outputStream().write(data);
    c.shutdownOutput();
    InputStream in = c.inputStream();
    assertThat(in.read()).isEqualTo(-1);
    assertThat(server.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(sha256(Files.readAllBytes(file))).isEqualTo(sha256(data));
  }

  @Test
  void shouldRecoverFromLossInBothDirectionsAgainstLinux() throws Exception {
    ns.setLoss(0.02, 7);
    try {
      byte[] up = randomBytes(4 << 20, 4);
      Path file = dir.resolve("lossy-upload");
      Files.write(file, up);
      try (TcpServer server = stack.listenTcp(7004, 4)) {
        Process client = nsStart("socat", "-u", "OPEN:" + file, "TCP:" + STACK4 + ":7004");
        TcpConnection c = server.accept(Duration.ofSeconds(10));
        byte[] received = c.inputStream().readAllBytes();
        c.close();
        assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sha256(received)).isEqualTo(sha256(up));
      }
      byte[] down = randomBytes(4 << 20, 5);
      Path target = dir.resolve("lossy-download");
      Process server =
          nsStart(
              "socat", "-u", "TCP-LISTEN:7005,bind=" + KERNEL4 + ",reuseaddr", "CREATE:" + target);
      TcpConnection c = dialWithRetry(new InetSocketAddress(InetAddress.ofLiteral(KERNEL4), 7005));
      c.outputStream().write(down);
      c.shutdownOutput();
      assertThat(c.inputStream().read()).isEqualTo(-1);
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(sha256(Files.readAllBytes(target))).isEqualTo(sha256(down));
    } finally {
      ns.setLoss(0, 0);
    }
  }

  private TcpConnection dialWithRetry(InetSocketAddress to) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return stack.dialTcp(to, Duration.ofSeconds(5));
      } catch (ConnectException e) {
        if (System.nanoTime() > end) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }
}
