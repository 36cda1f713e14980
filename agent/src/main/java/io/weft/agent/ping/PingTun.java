package io.weft.agent.ping;

import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Tun} in front of the node's plaintext side (kernel TUN or netstack) that lets the
 * daemon ping a peer through the WireGuard tunnel ({@code weft ping}): it slips an ICMP echo
 * request into the packets the device reads, as if the operating system had sent it, and takes
 * the matching echo reply out of the packets the device writes, before the OS or netstack sees it.
 *
 * <p>The device's reader may be blocked in the inner {@code read} when a request is queued, so
 * the daemon supplies a waker that makes the plaintext side emit one small UDP datagram to
 * {@link #WAKE_ADDRESS} (inside the mesh range, never given to a node): the read returns, and
 * that datagram's slot carries the request instead.
 *
 * <p>The data path pays one volatile read per batch in each direction while no ping is
 * outstanding, and allocates nothing.
 */
public final class PingTun implements Tun {
  private static final System.Logger LOG = System.getLogger(PingTun.class.getName());

  /** 100.100.100.100: the address the control server keeps for node-local services. */
  public static final InetAddress WAKE_ADDRESS = wakeAddress();

  private static final int PROTO_UDP = 17;

  private final Tun inner;
  private final int identifier = new SecureRandom().nextInt(0x10000);
  private final AtomicInteger sequence = new AtomicInteger();
  private final ConcurrentLinkedQueue<byte[]> injected = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Map<Integer, Pending> waiting = new ConcurrentHashMap<>();
  private volatile Runnable waker = () -> {};
  private volatile AutoCloseable wakerResource;
  private final AtomicLong intercepted = new AtomicLong();

  private record Pending(long sentNanos, CompletableFuture<Long> reply) {}

  public PingTun(Tun inner) {
    this.inner = inner;
  }

  /** The device this one fronts. */
  public Tun inner() {
    return inner;
  }

  /**
   * Sets what makes the plaintext side emit a packet to {@link #WAKE_ADDRESS}, and what it holds
   * open (closed with this TUN).
   */
  public void setWaker(Runnable waker, AutoCloseable resource) {
    this.waker = waker;
    this.wakerResource = resource;
  }

  /** Echo replies taken out of the write path. */
  public long intercepted() {
    return intercepted.get();
  }

  /**
   * Sends one echo request from {@code src} to {@code dst} through the device and waits for the
   * reply; returns the round-trip time.
   *
   * @throws SocketTimeoutException when no reply came within {@code timeout}
   */
  public Duration echo(InetAddress src, InetAddress dst, Duration timeout) throws IOException {
    int seq = sequence.incrementAndGet() & 0xffff;
    byte[] packet = IcmpEcho.request(src, dst, identifier, seq);
    Pending p = new Pending(System.nanoTime(), new CompletableFuture<>());
    waiting.put(seq, p);
    outstanding.incrementAndGet();
    try {
      injected.add(packet);
      queued.incrementAndGet();
      try {
        waker.run();
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "waking the TUN reader: {0}", e.toString());
      }
      long replyNanos = p.reply().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return Duration.ofNanos(replyNanos - p.sentNanos());
    } catch (TimeoutException e) {
      throw new SocketTimeoutException("no echo reply from " + dst.getHostAddress() + " within " + timeout);
    } catch (ExecutionException e) {
      throw new IOException("ping failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    } finally {
      waiting.remove(seq);
      outstanding.decrementAndGet();
    }
  }

  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    int n = inner.read(bufs, sizes, offset);
    if (queued.get() == 0) {
      return n;
    }
    return inject(bufs, sizes, offset, n);
  }

  /** Puts queued requests in place of wake datagrams, then after the packets read. */
  private int inject(ByteBuffer[] bufs, int[] sizes, int offset, int n) {
    for (int i = 0; i < n && queued.get() > 0; i++) {
      if (isWake(bufs[i], offset, sizes[i])) {
        byte[] p = injected.poll();
        if (p == null) {
          break;
        }
        queued.decrementAndGet();
        put(bufs[i], offset, p);
        sizes[i] = p.length;
      }
    }
    while (n < bufs.length && queued.get() > 0) {
      byte[] p = injected.poll();
      if (p == null) {
        break;
      }
      queued.decrementAndGet();
      put(bufs[n], offset, p);
      sizes[n++] = p.length;
    }
    return n;
  }

  private static boolean isWake(ByteBuffer b, int offset, int length) {
    return length >= 20 && b.get(offset) == 0x45 && b.get(offset + 9) == PROTO_UDP
        && b.getInt(offset + 16) == 0x6464_6464;
  }

  private static void put(ByteBuffer dst, int offset, byte[] p) {
    dst.duplicate().clear().put(offset, p);
  }

  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    if (outstanding.get() == 0) {
      return inner.write(bufs, count, offset);
    }
    return writeIntercepting(bufs, count, offset);
  }

  /** The slow path while a ping waits: hands matching echo replies to it instead of the OS. */
  private int writeIntercepting(ByteBuffer[] bufs, int count, int offset) throws IOException {
    long now = System.nanoTime();
    ByteBuffer[] rest = null;
    int kept = 0;
    for (int i = 0; i < count; i++) {
      ByteBuffer b = bufs[i];
      int seq = IcmpEcho.replySequence(b, offset, b.limit() - offset, identifier);
      Pending p = seq < 0 ? null : waiting.get(seq);
      if (p != null) {
        p.reply().complete(now);
        intercepted.incrementAndGet();
        if (rest == null) {
          rest = new ByteBuffer[count];
          System.arraycopy(bufs, 0, rest, 0, i);
          kept = i;
        }
      } else if (rest != null) {
        rest[kept++] = b;
      }
    }
    if (rest == null) {
      return inner.write(bufs, count, offset);
    }
    if (kept > 0) {
      inner.write(rest, kept, offset);
    }
    return count;
  }

  @Override
  public int batchSize() {
    return inner.batchSize();
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void close() throws IOException {
    IOException closed = new IOException("the TUN was closed");
    waiting.values().forEach(p -> p.reply().completeExceptionally(closed));
    AutoCloseable r = wakerResource;
    if (r != null) {
      try {
        r.close();
      } catch (Exception e) {
        LOG.log(Level.DEBUG, "closing the waker: {0}", e.toString());
      }
    }
    inner.close();
  }

  private static InetAddress wakeAddress() {
    try {
      return InetAddress.getByAddress(new byte[] {100, 100, 100, 100});
    } catch (UnknownHostException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
