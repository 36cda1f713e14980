package io.weft.agent.ping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ping TUN: requests go out in place of the wake datagram or after the packets read, the
 * matching reply is taken out of the write path (the OS never sees it), everything else passes
 * untouched, and the data path allocates nothing while no ping waits.
 */
class PingTunTest {
  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  static final InetAddress A = InetAddress.ofLiteral("100.64.0.1");
  static final InetAddress B = InetAddress.ofLiteral("100.64.0.2");
  static final int OFFSET = 16;

  /** An in-memory plaintext side: packets to hand the device, and what the device wrote. */
  static class MemoryTun implements Tun {
    final LinkedBlockingQueue<byte[]> toDevice = new LinkedBlockingQueue<>();
    final List<byte[]> written = new ArrayList<>();

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
      byte[] p;
      try {
        p = toDevice.take();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      bufs[0].duplicate().clear().put(offset, p);
      sizes[0] = p.length;
      return 1;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      for (int i = 0; i < count; i++) {
        byte[] p = new byte[bufs[i].limit() - offset];
        bufs[i].get(offset, p);
        written.add(p);
      }
      return count;
    }

    @Override
    public int batchSize() {
      return 4;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "memory";
    }

    @Override
    public void close() {}
  }

  /** A UDP/IPv4 packet to {@code dst} (the checksums do not matter here). */
  static byte[] udp(InetAddress src, InetAddress dst) {
    ByteBuffer p = ByteBuffer.allocate(29);
    p.put((byte) 0x45).put((byte) 0).putShort((short) 29).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0);
    p.put(src.getAddress()).put(dst.getAddress()).putShort((short) 1234).putShort((short) 9).putShort((short) 9)
        .putShort((short) 0).put((byte) 1);
    return p.array();
  }

  /** The reply a peer would send to {@code request}: addresses swapped, type 0 (or 129). */
  static byte[] replyTo(byte[] request) {
    byte[] r = request.clone();
    if ((r[0] >> 4) == 4) {
      System.arraycopy(request, 12, r, 16, 4);
      System.arraycopy(request, 16, r, 12, 4);
      r[20] = 0;
    } else {
      System.arraycopy(request, 8, r, 24, 16);
      System.arraycopy(request, 24, r, 8, 16);
      r[40] = (byte) 129;
    }
    return r;
  }

  static ByteBuffer[] buffers(int n) {
    ByteBuffer[] b = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      b[i] = ByteBuffer.allocate(2048);
    }
    return b;
  }

  static ByteBuffer framed(byte[] p) {
    ByteBuffer b = ByteBuffer.allocate(OFFSET + p.length);
    b.put(OFFSET, p);
    return b;
  }

  static CompletableFuture<Duration> echoAsync(PingTun tun, InetAddress src, InetAddress dst) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return tun.echo(src, dst, Duration.ofSeconds(30));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void shouldSendInPlaceOfTheWakeDatagramAndConsumeTheReply() throws Exception {
    MemoryTun inner = new MemoryTun();
    PingTun tun = new PingTun(inner);
    tun.setWaker(() -> inner.toDevice.add(udp(A, PingTun.WAKE_ADDRESS)), null);
    ByteBuffer[] bufs = buffers(4);
    int[] sizes = new int[4];

    CompletableFuture<Duration> rtt = echoAsync(tun, A, B);
    int n = tun.read(bufs, sizes, OFFSET); // returns because of the wake datagram
    assertThat(n).isEqualTo(1);
    byte[] request = new byte[sizes[0]];
    bufs[0].get(OFFSET, request);
    assertThat(request[9]).as("ICMP").isEqualTo((byte) 1);
    assertThat(request[20]).as("echo request").isEqualTo((byte) 8);
    assertThat(IcmpEcho.checksum(request, 0, 20, 0)).as("IPv4 header checksum verifies").isZero();
    assertThat(IcmpEcho.checksum(request, 20, request.length - 20, 0)).as("ICMP checksum verifies").isZero();
    assertThat(Arrays.copyOfRange(request, 16, 20)).isEqualTo(B.getAddress());

    // Another packet and the reply arrive in one batch: only the other packet reaches the OS.
    byte[] other = udp(B, A);
    assertThat(tun.write(new ByteBuffer[] {framed(other), framed(replyTo(request))}, 2, OFFSET)).isEqualTo(2);
    assertThat(rtt.get(30, TimeUnit.SECONDS)).isPositive();
    assertThat(inner.written).hasSize(1);
    assertThat(inner.written.getFirst()).isEqualTo(other);
    assertThat(tun.intercepted()).isEqualTo(1);

    // With no ping waiting, a stray echo reply is the OS's business.
    assertThat(tun.write(new ByteBuffer[] {framed(replyTo(request))}, 1, OFFSET)).isEqualTo(1);
    assertThat(inner.written).hasSize(2);
  }

  @Test
  void shouldAppendWhenTheReadHasNoWakeDatagramAndMatchIpv6() throws Exception {
    MemoryTun inner = new MemoryTun();
    PingTun tun = new PingTun(inner);
    InetAddress a6 = InetAddress.ofLiteral("fd7a:115c:a1e0::1");
    InetAddress b6 = InetAddress.ofLiteral("fd7a:115c:a1e0::2");
    byte[] unrelated = udp(A, B);
    tun.setWaker(() -> inner.toDevice.add(unrelated), null);
    CompletableFuture<Duration> rtt = echoAsync(tun, a6, b6);
    ByteBuffer[] bufs = buffers(4);
    int[] sizes = new int[4];
    int n = tun.read(bufs, sizes, OFFSET);
    assertThat(n).isEqualTo(2);
    byte[] first = new byte[sizes[0]];
    bufs[0].get(OFFSET, first);
    assertThat(first).isEqualTo(unrelated);
    byte[] request = new byte[sizes[1]];
    bufs[1].get(OFFSET, request);
    assertThat(request[6]).as("ICMPv6").isEqualTo((byte) 58);
    assertThat(request[40] & 0xff).as("echo request").isEqualTo(128);
    long pseudo = 0;
    for (int i = 8; i < 40; i += 2) {
      pseudo += ((request[i] & 0xff) << 8) | (request[i + 1] & 0xff);
    }
    assertThat(IcmpEcho.checksum(request, 40, request.length - 40, pseudo + (request.length - 40) + 58))
        .as("ICMPv6 checksum verifies").isZero();
    tun.write(new ByteBuffer[] {framed(replyTo(request))}, 1, OFFSET);
    assertThat(rtt.get(30, TimeUnit.SECONDS)).isPositive();
    assertThat(inner.written).isEmpty();
  }

  @Test
  void shouldTimeOutWithoutAReplyAndStopIntercepting() throws Exception {
    MemoryTun inner = new MemoryTun();
    PingTun tun = new PingTun(inner);
    byte[] request = IcmpEcho.request(A, B, 1, 1);
    assertThatThrownBy(() -> tun.echo(A, B, Duration.ofMillis(50))).isInstanceOf(SocketTimeoutException.class);
    tun.write(new ByteBuffer[] {framed(replyTo(request)), framed(udp(B, A))}, 2, OFFSET);
    assertThat(inner.written).hasSize(2);
  }

  @Test
  void shouldNotAllocateOnTheDataPathWhileNoPingWaits() throws Exception {
    MemoryTun inner = new MemoryTun() {
      @Override
      public int write(ByteBuffer[] bufs, int count, int offset) {
        return count; // keep nothing: measure only the wrapper
      }
    };
    PingTun tun = new PingTun(inner);
    ByteBuffer[] bufs = new ByteBuffer[64];
    byte[] reply = replyTo(IcmpEcho.request(A, B, 7, 1)); // echo replies: the worst case for the check
    for (int i = 0; i < bufs.length; i++) {
      bufs[i] = framed(i % 2 == 0 ? reply : udp(B, A));
    }
    for (int i = 0; i < 20_000; i++) {
      tun.write(bufs, bufs.length, OFFSET);
    }
    long id = Thread.currentThread().threadId();
    long before = THREADS.getThreadAllocatedBytes(id);
    for (int i = 0; i < 20_000; i++) {
      tun.write(bufs, bufs.length, OFFSET);
    }
    assertThat(THREADS.getThreadAllocatedBytes(id) - before).as("bytes allocated for 1.28M packets").isLessThan(1024);
  }

  @Test
  void shouldNeverThrowOnShortOrGarbagePackets() {
    Random r = new Random(3);
    for (int i = 0; i < 10_000; i++) {
      byte[] p = new byte[r.nextInt(80)];
      r.nextBytes(p);
      if (p.length > 0 && r.nextBoolean()) {
        p[0] = (byte) (r.nextBoolean() ? 0x45 : 0x60);
      }
      assertThat(IcmpEcho.replySequence(ByteBuffer.wrap(p), 0, p.length, 1)).isBetween(-1, 0xffff);
    }
  }
}
