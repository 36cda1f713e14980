package io.weft.agent.ping;

import io.weft.agent.pipeline.Packet;
import io.weft.agent.pipeline.PacketHook;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.netstack.wire.IcmpEchoPacket;
import io.weft.netstack.wire.IpProtocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code weft ping} as a hook of the node's {@link PacketPipeline}: an echo request is injected
 * into the outbound packets as if the OS had sent it, and the matching echo reply is consumed by an
 * inbound hook before the OS or netstack sees it.
 *
 * <p>While no ping waits the hook costs one volatile read per packet and allocates nothing.
 */
public final class Pinger implements AutoCloseable {
  private final PacketPipeline pipeline;
  private final int identifier = new SecureRandom().nextInt(0x10000);
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Map<Integer, Pending> waiting = new ConcurrentHashMap<>();
  private final AtomicLong intercepted = new AtomicLong();
  private final AutoCloseable hook;

  private record Pending(long sentNanos, CompletableFuture<Long> reply) {}

  /** A pinger on {@code pipeline} (its inbound hook stays until {@link #close}). */
  public Pinger(PacketPipeline pipeline) {
    this.pipeline = pipeline;
    this.hook = pipeline.addHook(Packet.INBOUND, this::onInbound);
  }

  /** Echo replies taken out of the inbound packets. */
  public long intercepted() {
    return intercepted.get();
  }

  /** The identifier of this pinger's echo requests. */
  int identifier() {
    return identifier;
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
      if (!pipeline.injectOutbound(packet)) {
        throw new IOException("the packet pipeline's injection queue is full");
      }
      long replyNanos = p.reply().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return Duration.ofNanos(replyNanos - p.sentNanos());
    } catch (TimeoutException e) {
      throw new SocketTimeoutException(
          "no echo reply from " + dst.getHostAddress() + " within " + timeout);
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

  /** The inbound hook: consumes the echo replies a ping waits for, passes everything else. */
  private int onInbound(Packet p) {
    if (outstanding.get() == 0) {
      return PacketHook.ACCEPT;
    }
    final int replyType =
        p.protocol() == IpProtocol.ICMP
            ? IcmpEchoPacket.V4_ECHO_REPLY
            : p.protocol() == IpProtocol.ICMPV6 ? IcmpEchoPacket.V6_ECHO_REPLY : -2;
    if (p.icmpType() != replyType || p.icmpIdentifier() != identifier) {
      return PacketHook.ACCEPT;
    }
    Pending pending = waiting.get(p.icmpSequence());
    if (pending == null) {
      return PacketHook.ACCEPT; // a late reply: the OS may as well see it
    }
    pending.reply().complete(System.nanoTime());
    intercepted.incrementAndGet();
    return PacketHook.CONSUMED;
  }

  /** Removes the hook and fails the pings still waiting. */
  @Override
  public void close() {
    try {
      hook.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    IOException closed = new IOException("the pinger was closed");
    waiting.values().forEach(p -> p.reply().completeExceptionally(closed));
  }
}
