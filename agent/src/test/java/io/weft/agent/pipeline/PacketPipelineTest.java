package io.weft.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.agent.ping.IcmpEcho;
import io.weft.agent.ping.Pinger;
import io.weft.agent.userspace.NetstackTun;
import io.weft.netstack.wire.IpProtocol;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The packet pipeline: each packet crosses the hooks once, parsed; verdicts drop or consume it;
 * injected packets reach the device (waking a blocked reader) and the OS without crossing a hook;
 * {@code weft ping} works as a hook; garbage never throws; no allocation per packet.
 */
class PacketPipelineTest {
  static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  static final InetAddress A = InetAddress.ofLiteral("100.64.0.1");
  static final InetAddress B = InetAddress.ofLiteral("100.64.0.2");
  static final InetAddress A6 = InetAddress.ofLiteral("fd7a:115c:a1e0::1");
  static final InetAddress B6 = InetAddress.ofLiteral("fd7a:115c:a1e0::2");
  static final int OFFSET = 16;
  static final Duration WAIT = Duration.ofSeconds(10);

  /** The real TUN's double: packets the OS sends, what the device wrote, and a wakeup. */
  static class QueueTun implements Tun {
    static final byte[] WAKE = new byte[0];
    static final byte[] CLOSED = new byte[0];
    final LinkedBlockingQueue<byte[]> fromOs = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> toOs = new LinkedBlockingQueue<>();

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
      byte[] p;
      try {
        p = fromOs.take();
      } catch (InterruptedException e) {
        throw new ClosedChannelException();
      }
      if (p == CLOSED) {
        fromOs.add(CLOSED);
        throw new ClosedChannelException();
      }
      if (p == WAKE) {
        return 0;
      }
      int n = 0;
      while (true) {
        bufs[n].put(offset, p);
        sizes[n++] = p.length;
        p = n < bufs.length ? fromOs.peek() : null;
        if (p == null || p == WAKE || p == CLOSED) {
          return n;
        }
        fromOs.poll();
      }
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      for (int i = 0; i < count; i++) {
        byte[] p = new byte[bufs[i].limit() - offset];
        bufs[i].get(offset, p);
        toOs.add(p);
      }
      return count;
    }

    @Override
    public boolean wakeup() {
      fromOs.add(WAKE);
      return true;
    }

    @Override
    public int batchSize() {
      return 8;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "queue";
    }

    @Override
    public void close() {
      fromOs.add(CLOSED);
    }
  }

  /** A UDP/IPv4 packet (checksums do not matter here). */
  static byte[] udp(InetAddress src, InetAddress dst, int dport) {
    ByteBuffer p = ByteBuffer.allocate(29);
    p.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) 29)
        .putInt(0)
        .put((byte) 64)
        .put((byte) 17)
        .putShort((short) 0);
    p.put(src.getAddress())
        .put(dst.getAddress())
        .putShort((short) 1234)
        .putShort((short) dport)
        .putShort((short) 9)
        .putShort((short) 0)
        .put((byte) 1);
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

  static ByteBuffer framed(byte[] p) {
    ByteBuffer b = ByteBuffer.allocate(OFFSET + p.length + 32);
    b.put(OFFSET, p).limit(OFFSET + p.length);
    return b;
  }

  static ByteBuffer[] buffers(int n) {
    ByteBuffer[] b = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      b[i] = ByteBuffer.allocate(2048);
    }
    return b;
  }

  static byte[] bytesOf(ByteBuffer b, int size) {
    byte[] out = new byte[size];
    b.get(OFFSET, out);
    return out;
  }

  static void awaitBlocked(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
      assertThat(System.nanoTime() - deadline).as("the reader blocks in the real TUN").isNegative();
      Thread.onSpinWait();
    }
  }

  @Test
  void shouldShowEachPacketToTheFilterThenTheHooksOnceAndDropByVerdict() throws Exception {
    QueueTun inner = new QueueTun();
    PacketPipeline pipeline = new PacketPipeline(inner);
    List<String> calls = new ArrayList<>();
    pipeline.setFilter(
        p -> PacketHook.ACCEPT,
        p -> {
          calls.add("filter:" + p.destinationPort());
          return p.destinationPort() == 22 ? PacketHook.DROP : PacketHook.ACCEPT;
        });
    pipeline.addHook(
        Packet.OUTBOUND,
        p -> {
          calls.add("flows:" + p.destinationPort());
          assertThat(p.version()).isEqualTo(4);
          assertThat(p.protocol()).isEqualTo(IpProtocol.UDP);
          return PacketHook.ACCEPT;
        });
    byte[] allowed1 = udp(A, B, 53);
    byte[] denied = udp(A, B, 22);
    byte[] allowed2 = udp(A, B, 80);
    inner.fromOs.add(allowed1);
    inner.fromOs.add(denied);
    inner.fromOs.add(allowed2);
    ByteBuffer[] bufs = buffers(8);
    int[] sizes = new int[8];
    int n = pipeline.read(bufs, sizes, OFFSET);
    assertThat(n).isEqualTo(2);
    assertThat(bytesOf(bufs[0], sizes[0])).isEqualTo(allowed1);
    assertThat(bytesOf(bufs[1], sizes[1])).as("the batch closes up, in order").isEqualTo(allowed2);
    assertThat(calls)
        .containsExactly("filter:53", "flows:53", "filter:22", "filter:80", "flows:80");
    assertThat(pipeline.stats().outboundDropped.sum()).isEqualTo(1);
    java.util.Set<ByteBuffer> distinct =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    distinct.addAll(List.of(bufs));
    assertThat(distinct).as("no buffer lost by the reordering").hasSize(8);
  }

  @Test
  void shouldDropAndConsumeInboundByVerdict() throws Exception {
    QueueTun inner = new QueueTun();
    PacketPipeline pipeline = new PacketPipeline(inner);
    AtomicInteger seen = new AtomicInteger();
    pipeline.setFilter(p -> p.destinationPort() == 22 ? PacketHook.DROP : PacketHook.ACCEPT, null);
    pipeline.addHook(
        Packet.INBOUND,
        p -> {
          seen.incrementAndGet();
          return p.destinationPort() == 7 ? PacketHook.CONSUMED : PacketHook.ACCEPT;
        });
    ByteBuffer[] batch = {framed(udp(B, A, 22)), framed(udp(B, A, 7)), framed(udp(B, A, 53))};
    assertThat(pipeline.write(batch, 3, OFFSET))
        .as("dropped and consumed count as handled")
        .isEqualTo(3);
    assertThat(inner.toOs).hasSize(1);
    assertThat(inner.toOs.poll()).isEqualTo(udp(B, A, 53));
    assertThat(seen.get()).as("the filter's drop ends the walk").isEqualTo(2);
    assertThat(pipeline.stats().inboundDropped.sum()).isEqualTo(1);
    assertThat(pipeline.stats().consumed.sum()).isEqualTo(1);
  }

  @Test
  void shouldWakeABlockedReaderForAnInjectedPacketThatCrossesNoHook() throws Exception {
    QueueTun inner = new QueueTun();
    PacketPipeline pipeline = new PacketPipeline(inner);
    AtomicInteger hooked = new AtomicInteger();
    pipeline.addHook(
        Packet.OUTBOUND,
        p -> {
          hooked.incrementAndGet();
          return PacketHook.ACCEPT;
        });
    ByteBuffer[] bufs = buffers(8);
    int[] sizes = new int[8];
    CompletableFuture<Integer> read = new CompletableFuture<>();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    read.complete(pipeline.read(bufs, sizes, OFFSET));
                  } catch (IOException e) {
                    read.completeExceptionally(e);
                  }
                });
    awaitBlocked(reader);
    byte[] rst = udp(A, B, 443);
    assertThat(pipeline.injectOutbound(rst)).isTrue();
    assertThat(read.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(bytesOf(bufs[0], sizes[0])).isEqualTo(rst);
    assertThat(hooked.get()).isZero();

    byte[] dns = udp(B, A, 5353);
    assertThat(pipeline.injectInbound(dns)).isTrue();
    assertThat(inner.toOs.poll()).isEqualTo(dns);
    assertThat(pipeline.stats().injectedOutbound.sum()).isEqualTo(1);
    assertThat(pipeline.stats().injectedInbound.sum()).isEqualTo(1);
    pipeline.close();
  }

  @Test
  void shouldWakeAReaderBlockedInTheNetstack() throws Exception {
    try (PacketPipeline pipeline = new PacketPipeline(NetstackTun.forNode("wake", List.of(A)))) {
      ByteBuffer[] bufs = buffers(8);
      int[] sizes = new int[8];
      CompletableFuture<Integer> read = new CompletableFuture<>();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      read.complete(pipeline.read(bufs, sizes, OFFSET));
                    } catch (IOException e) {
                      read.completeExceptionally(e);
                    }
                  });
      awaitBlocked(reader);
      byte[] injected = udp(A, B, 9);
      assertThat(pipeline.injectOutbound(injected)).isTrue();
      assertThat(read.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(bytesOf(bufs[0], sizes[0])).isEqualTo(injected);
    }
  }

  @Test
  void shouldPingThroughTheHookAndTheInjectionQueue() throws Exception {
    QueueTun inner = new QueueTun();
    PacketPipeline pipeline = new PacketPipeline(inner);
    Pinger pinger = new Pinger(pipeline);
    ByteBuffer[] bufs = buffers(8);
    int[] sizes = new int[8];
    for (InetAddress[] pair : new InetAddress[][] {{A, B}, {A6, B6}}) {
      CompletableFuture<Duration> rtt =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return pinger.echo(pair[0], pair[1], WAIT);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      // The device's reader gets the request (woken from the real TUN)...
      int n = pipeline.read(bufs, sizes, OFFSET);
      assertThat(n).isEqualTo(1);
      byte[] request = bytesOf(bufs[0], sizes[0]);
      // ...and the peer's reply, with other traffic, is written back: the reply never reaches the
      // OS.
      byte[] other = udp(B, A, 53);
      pipeline.write(new ByteBuffer[] {framed(other), framed(replyTo(request))}, 2, OFFSET);
      assertThat(rtt.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isPositive();
      assertThat(inner.toOs.poll()).isEqualTo(other);
      assertThat(inner.toOs).isEmpty();
    }
    assertThat(pinger.intercepted()).isEqualTo(2);
  }

  @Test
  void shouldNeverThrowOnGarbage() throws Exception {
    long seed = new Random().nextLong();
    Random r = new Random(seed);
    QueueTun inner = new QueueTun();
    PacketPipeline pipeline = new PacketPipeline(inner);
    new Pinger(pipeline);
    AtomicInteger parsed = new AtomicInteger();
    pipeline.addHook(
        Packet.INBOUND,
        p -> {
          parsed.incrementAndGet();
          assertThat(p.version()).isIn(0, 4, 6);
          return PacketHook.ACCEPT;
        });
    for (int i = 0; i < 20_000; i++) {
      byte[] p = new byte[r.nextInt(120)];
      r.nextBytes(p);
      if (p.length > 0 && r.nextBoolean()) {
        p[0] = (byte) (r.nextBoolean() ? 0x45 : 0x60);
      }
      try {
        pipeline.write(new ByteBuffer[] {framed(p)}, 1, OFFSET);
      } catch (RuntimeException | AssertionError e) {
        throw new AssertionError("seed " + seed + ", packet " + i, e);
      }
    }
    assertThat(parsed.get()).as("seed %d", seed).isEqualTo(20_000);
    assertThat(pipeline.stats().hookFailures.sum()).as("seed %d", seed).isZero();
  }

  @Test
  void shouldNotAllocatePerPacketWithFilterFlowsAndPingHooks() throws Exception {
    int[] lengths = new int[64];
    QueueTun inner =
        new QueueTun() {
          @Override
          public int read(ByteBuffer[] bufs, int[] sizes, int offset) {
            // A full batch each time, the packets already in place: measure only the pipeline.
            System.arraycopy(lengths, 0, sizes, 0, bufs.length);
            return bufs.length;
          }

          @Override
          public int write(ByteBuffer[] bufs, int count, int offset) {
            return count;
          }
        };
    PacketPipeline pipeline = new PacketPipeline(inner);
    long[] flows = new long[65536];
    pipeline.setFilter(
        p -> p.destinationPort() == 22 ? PacketHook.DROP : PacketHook.ACCEPT,
        p -> p.destinationPort() == 22 ? PacketHook.DROP : PacketHook.ACCEPT);
    pipeline.addHook(
        Packet.INBOUND,
        p -> {
          flows[p.destinationPort() & 0xffff]++;
          return PacketHook.ACCEPT;
        });
    new Pinger(pipeline);
    ByteBuffer[] bufs = new ByteBuffer[64];
    byte[] reply =
        replyTo(IcmpEcho.request(A, B, 7, 1)); // echo replies: the ping hook's worst case
    ByteBuffer[] readBufs = new ByteBuffer[64];
    int[] sizes = new int[64];
    for (int i = 0; i < bufs.length; i++) {
      bufs[i] = framed(i % 3 == 0 ? reply : udp(B, A, i % 3 == 1 ? 53 : 22));
      byte[] out = udp(A, B, i % 2 == 0 ? 53 : 443);
      readBufs[i] = framed(out);
      lengths[i] = out.length;
    }
    for (int i = 0; i < 20_000; i++) {
      pipeline.write(bufs, bufs.length, OFFSET);
      pipeline.read(readBufs, sizes, OFFSET);
    }
    // Up to five measured rounds, keeping the least: a JIT compilation under way in one round (a
    // loaded machine) allocates there; a real per-packet allocation allocates in every round.
    long id = Thread.currentThread().threadId();
    double least = Double.MAX_VALUE;
    for (int round = 0; round < 5 && least > 0; round++) {
      long before = THREADS.getThreadAllocatedBytes(id);
      for (int i = 0; i < 20_000; i++) {
        pipeline.write(bufs, bufs.length, OFFSET);
        pipeline.read(readBufs, sizes, OFFSET);
      }
      least =
          Math.min(
              least,
              (double) (THREADS.getThreadAllocatedBytes(id) - before) / (40_000.0 * bufs.length));
    }
    assertThat(least)
        .as("bytes allocated per packet (least of five rounds of 2.56M)")
        .isLessThan(0.001);
  }
}
