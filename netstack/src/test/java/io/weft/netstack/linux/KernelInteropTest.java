package io.weft.netstack.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.testvectors.Prerequisites;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
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
 * leaves the namespace. Needs root, /dev/net/tun, ip and socat: skipped elsewhere, failed under
 * CI=true.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelInteropTest {
    private static final String KERNEL4 = "10.77.0.1";
    private static final String STACK4 = "10.77.0.2";
    private static final String KERNEL6 = "fd77::1";
    private static final String STACK6 = "fd77::2";
    private static final int MTU = 1420;

    private final String namespace = "weftns" + ProcessHandle.current().pid();
    private final String device = "weft" + ProcessHandle.current().pid();
    private LinuxTun tun;
    private NetStack stack;
    private Thread reader;
    private volatile boolean running = true;
    /** Probability that a packet is dropped between the TUN and the stack, each way (seeded). */
    private volatile double loss;
    private final java.util.SplittableRandom outboundRandom = new java.util.SplittableRandom(7);
    private final java.util.SplittableRandom inboundRandom = new java.util.SplittableRandom(8);

    @TempDir
    Path dir;

    @BeforeAll
    void setUp() throws Exception {
        Prerequisites.requireRootAndTools("socat");
        tun = new LinuxTun(device);
        run("ip", "netns", "add", namespace);
        run("ip", "link", "set", device, "netns", namespace);
        ns("ip", "link", "set", "lo", "up");
        ns("ip", "addr", "add", KERNEL4 + "/24", "dev", device);
        ns("ip", "addr", "add", KERNEL6 + "/64", "dev", device, "nodad");
        ns("ip", "link", "set", device, "mtu", String.valueOf(MTU), "up");
        byte[] out = new byte[MTU];
        stack = new NetStack(NetStackConfig.of(InterfaceConfig.of(IpAddress.parse(STACK4), IpAddress.parse(STACK6))
                .withMtu(MTU)), (b, off, len) -> {
                    if (loss > 0 && outboundRandom.nextDouble() < loss) {
                        return;
                    }
                    b.get(off, out, 0, len);
                    tun.write(out, len);
                });
        reader = Thread.ofPlatform().name("tun-reader").daemon().start(() -> {
            byte[] in = new byte[65536];
            ByteBuffer wrapped = ByteBuffer.wrap(in);
            try {
                while (running) {
                    int n = tun.read(in, 100);
                    if (n > 0 && (loss == 0 || inboundRandom.nextDouble() >= loss)) {
                        stack.deliver(wrapped, 0, n);
                    }
                }
            } catch (IOException e) {
                // device gone: stop
            }
        });
    }

    @AfterAll
    void tearDown() throws Exception {
        running = false;
        if (reader != null) {
            reader.join(2000);
        }
        if (stack != null) {
            stack.close();
        }
        if (tun != null) {
            tun.close();
            runQuietly("ip", "netns", "del", namespace);
        }
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    private void runQuietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort cleanup
        }
    }

    private void ns(String... command) throws IOException, InterruptedException {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        run(full);
    }

    private Process nsStart(String... command) throws IOException {
        List<String> full = new java.util.ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return new ProcessBuilder(full).redirectErrorStream(true).start();
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
        Process server = nsStart("socat", "-u", "TCP-LISTEN:7003,bind=" + KERNEL4 + ",reuseaddr",
                "CREATE:" + file);
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
        loss = 0.02;
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
            Process server = nsStart("socat", "-u", "TCP-LISTEN:7005,bind=" + KERNEL4 + ",reuseaddr",
                    "CREATE:" + target);
            TcpConnection c = dialWithRetry(new InetSocketAddress(InetAddress.ofLiteral(KERNEL4), 7005));
            c.outputStream().write(down);
            c.shutdownOutput();
            assertThat(c.inputStream().read()).isEqualTo(-1);
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sha256(Files.readAllBytes(target))).isEqualTo(sha256(down));
        } finally {
            loss = 0;
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
