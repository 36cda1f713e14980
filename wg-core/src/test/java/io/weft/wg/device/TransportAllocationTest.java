package io.weft.wg.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.Await;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.testing.Packets;
import io.weft.wg.time.NanoClock;
import io.weft.wg.tun.Tun;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The transport path allocates nothing of its own: per packet, the sending and receiving threads
 * allocate no more than the cipher does by itself (measured here in the same JVM), plus a few bytes
 * of slack. With the OpenSSL engine the cipher allocates nothing, so the whole path is
 * allocation-free; with the JDK engine its {@code init} share (about 2.2 KB) is bounded.
 */
class TransportAllocationTest {
  /** The JDK cipher's own allocation per init, as measured on JDK 25 (about 2.2 KB); the bound. */
  static final long JDK_INIT_BOUND = 3_000;

  /**
   * The OpenSSL engine allocates nothing per packet once compiled; a CI run measured 152 B once (a
   * JIT state in flight), so a small slack far below the JDK's ~2.2 KB per init.
   */
  static final long OPENSSL_SLACK = 256;

  /**
   * What Weft's code may add per packet: nothing, up to measurement noise (less than 2 objects).
   */
  static final long SLACK = 64;

  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** A TUN that produces a fixed packet on demand and counts what is written to it. */
  static final class GeneratorTun implements Tun {
    final byte[] packet;
    final AtomicLong remaining = new AtomicLong();
    final AtomicLong written = new AtomicLong();
    volatile Thread reader;
    volatile boolean closed;

    GeneratorTun(byte[] packet) {
      this.packet = packet;
    }

    void release(long n) {
      remaining.addAndGet(n);
      Thread t = reader;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws ClosedChannelException {
      reader = Thread.currentThread();
      while (remaining.get() <= 0) {
        if (closed) {
          throw new ClosedChannelException();
        }
        LockSupport.parkNanos(10_000_000L);
      }
      remaining.decrementAndGet();
      bufs[0].put(offset, packet);
      sizes[0] = packet.length;
      return 1;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      written.addAndGet(count);
      return count;
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public int mtu() {
      return 1420;
    }

    @Override
    public String name() {
      return "gen";
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** The cipher's own allocation per seal (or per open) on {@code engine}, measured in this JVM. */
  static long cipherBytes(ChaCha20Poly1305.Engine engine, boolean open) {
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(new byte[32], engine);
    byte[] buf = new byte[1420 + 16];
    aead.seal(0, null, buf, 0, 1420);
    byte[] sealed = buf.clone();
    byte[] work = new byte[buf.length];
    for (int i = 0; i < 20_000; i++) {
      once(aead, open, 1 + i, buf, sealed, work);
    }
    // The least over a few rounds: under load C2 may compile the path late (bounded: 30 rounds).
    long id = Thread.currentThread().threadId();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 30 && least > 0; round++) {
      long before = THREADS.getThreadAllocatedBytes(id);
      for (int i = 0; i < 20_000; i++) {
        once(aead, open, 100_000 + round * 20_000 + i, buf, sealed, work);
      }
      least = Math.min(least, (THREADS.getThreadAllocatedBytes(id) - before) / 20_000);
    }
    return least;
  }

  private static void once(
      ChaCha20Poly1305 aead, boolean open, int i, byte[] buf, byte[] sealed, byte[] work) {
    if (open) {
      System.arraycopy(sealed, 0, work, 0, sealed.length);
      aead.open(0, null, work, 0, work.length);
    } else {
      aead.seal(i, null, buf, 0, 1420);
    }
  }

  /**
   * Each measurement runs in a JVM of its own, as in a node where only the default engine runs:
   * after other tests drive both engines through one call site, C2 inlines differently and may keep
   * a few segment objects per call. The child runs {@link #main} with the test's name.
   */
  private static void inOwnJvm(String test) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java.toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path")));
    for (String p : new String[] {"weft.aead"}) {
      if (System.getProperty(p) != null) {
        cmd.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    cmd.add(TransportAllocationTest.class.getName());
    cmd.add(test);
    Path log = Files.createTempFile("alloc", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      boolean done = p.waitFor(180, TimeUnit.SECONDS);
      String out = Files.readString(log);
      assertThat(done).as("child JVM finished in 180 s; output:%n%s", out).isTrue();
      assertThat(p.exitValue()).as("child JVM output:%n%s", out).isZero();
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(log);
    }
  }

  /** The child JVM's entry point: runs one measurement; exits 1 with the reason when it fails. */
  public static void main(String[] args) {
    try {
      TransportAllocationTest t = new TransportAllocationTest();
      if (args[0].equals("openssl")) {
        t.measureOpenSsl();
      } else {
        t.measureDevice();
      }
      System.out.println("ok");
      System.exit(0);
    } catch (Throwable e) {
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  @Test
  void shouldAllocateNothingWithTheOpenSslEngine() throws Exception {
    if (!ChaCha20Poly1305.Engine.OPENSSL.available()) {
      io.weft.testing.Prerequisites.unmet(
          "OpenSSL engine: " + ChaCha20Poly1305.Engine.OPENSSL.problem());
    }
    inOwnJvm("openssl");
  }

  @Test
  void shouldAllocateNothingBeyondTheCipherPerPacket() throws Exception {
    inOwnJvm("device");
  }

  void measureOpenSsl() {
    assertThat(cipherBytes(ChaCha20Poly1305.Engine.OPENSSL, false))
        .as("OpenSSL seal allocation per packet")
        .isLessThanOrEqualTo(OPENSSL_SLACK);
    assertThat(cipherBytes(ChaCha20Poly1305.Engine.OPENSSL, true))
        .as("OpenSSL open allocation per packet")
        .isLessThanOrEqualTo(OPENSSL_SLACK);
  }

  void measureDevice() throws Exception {
    ChaCha20Poly1305.Engine engine = ChaCha20Poly1305.Engine.DEFAULT;
    long jdkSeal = cipherBytes(engine, false);
    long jdkOpen = cipherBytes(engine, true);
    long bound = engine == ChaCha20Poly1305.Engine.OPENSSL ? OPENSSL_SLACK : JDK_INIT_BOUND - 1;
    assertThat(jdkSeal)
        .as("%s ChaCha20-Poly1305 allocation per seal", engine)
        .isLessThanOrEqualTo(bound);
    assertThat(jdkOpen)
        .as("%s ChaCha20-Poly1305 allocation per open", engine)
        .isLessThanOrEqualTo(bound);

    SecureRandom r = new SecureRandom();
    NoisePrivateKey ka = NoisePrivateKey.generate(r);
    NoisePrivateKey kb = NoisePrivateKey.generate(r);
    byte[] ipA = Packets.v4(10, 0, 0, 1);
    byte[] ipB = Packets.v4(10, 0, 0, 2);
    GeneratorTun tunA = new GeneratorTun(Packets.udp4(ipA, ipB, 1, 2, new byte[1372]));
    GeneratorTun tunB = new GeneratorTun(new byte[0]);
    try (Device a = new Device(tunA, new UdpBind(), NanoClock.SYSTEM, System.getLogger("t"));
        Device b = new Device(tunB, new UdpBind(), NanoClock.SYSTEM, System.getLogger("t"))) {
      a.setCryptoWorkers(0);
      b.setCryptoWorkers(0);
      a.setPrivateKey(ka);
      b.setPrivateKey(kb);
      a.up(false);
      b.up(false);
      Peer pb = a.addPeer(kb.publicKey());
      Peer pa = b.addPeer(ka.publicKey());
      a.addAllowedIp(pb, ipB, 32);
      b.addAllowedIp(pa, ipA, 32);
      pb.setEndpoint(a.parseEndpoint("127.0.0.1:" + b.listenPort()));

      tunA.release(1);
      Await.until(
          "the handshake and the first packet",
          Duration.ofSeconds(10),
          () -> tunB.written.get() == 1);
      // Warm up the JIT on both paths.
      send(tunA, tunB, 30_000);

      Thread sender = a.thread("weft-tun-reader");
      Thread receiver = b.thread("weft-receiver");
      // The least of a few rounds: on a loaded machine C2 may finish compiling the path late.
      long perSent = Long.MAX_VALUE;
      long perReceived = Long.MAX_VALUE;
      int n = 20_000;
      for (int round = 0;
          round < 6 && (perSent > jdkSeal + SLACK || perReceived > jdkOpen + SLACK);
          round++) {
        long s0 = THREADS.getThreadAllocatedBytes(sender.threadId());
        long r0 = THREADS.getThreadAllocatedBytes(receiver.threadId());
        long w0 = tunB.written.get();
        send(tunA, tunB, n);
        long received = tunB.written.get() - w0;
        assertThat(received).as("packets that made it through loopback").isGreaterThan(n / 10);
        perSent = Math.min(perSent, (THREADS.getThreadAllocatedBytes(sender.threadId()) - s0) / n);
        perReceived =
            Math.min(
                perReceived,
                (THREADS.getThreadAllocatedBytes(receiver.threadId()) - r0) / received);
      }
      assertThat(perSent)
          .as("bytes allocated per sent packet (cipher seal alone: %d)", jdkSeal)
          .isLessThanOrEqualTo(jdkSeal + SLACK);
      assertThat(perReceived)
          .as("bytes allocated per received packet (cipher open alone: %d)", jdkOpen)
          .isLessThanOrEqualTo(jdkOpen + SLACK);
    }
  }

  /** Releases {@code n} packets and waits until the sender took them and the receiver settled. */
  private static void send(GeneratorTun from, GeneratorTun to, int n) {
    from.release(n);
    Await.until(
        "the sender consumed the packets", Duration.ofSeconds(30), () -> from.remaining.get() == 0);
    long[] last = {-1};
    Await.until(
        "the receiver settled",
        Duration.ofSeconds(30),
        () -> {
          long w = to.written.get();
          boolean settled = w == last[0];
          last[0] = w;
          LockSupport.parkNanos(20_000_000L);
          return settled;
        });
  }
}
