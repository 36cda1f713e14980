package io.weft.agent.userspace;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.IpAddress;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The userspace-mode {@link Tun}: the WireGuard device's plaintext side is Weft's own TCP/IP
 * stack instead of a kernel interface, so no root is needed. Packets the stack sends wait in a
 * bounded queue for the device to read (dropped when it is full, like a full TUN queue); packets
 * the device writes go straight into the stack.
 */
public final class NetstackTun implements Tun {
  /** Packets the stack may queue for the device by default. */
  public static final int DEFAULT_QUEUE = 4096;
  private static final byte[] CLOSED = new byte[0];
  private final ArrayBlockingQueue<byte[]> outbound;
  private final NetStack stack;
  private final int mtu;
  private final String name;
  private volatile boolean closed;
  private volatile long dropped;

  /** A stack configured by {@code config}, bridged to the device; {@code queue} packets deep. */
  public NetstackTun(String name, NetStackConfig config, int queue) {
    this.name = name;
    this.mtu = config.iface().mtu();
    this.outbound = new ArrayBlockingQueue<>(queue);
    this.stack = new NetStack(config, this::fromStack);
  }

  /**
   * A userspace TUN for a mesh node: the stack takes the first IPv4 and the first IPv6 of
   * {@code addresses} (either may be absent).
   */
  public static NetstackTun forNode(String name, List<InetAddress> addresses) {
    IpAddress v4 = null;
    IpAddress v6 = null;
    for (InetAddress a : addresses) {
      if (a instanceof Inet4Address && v4 == null) {
        v4 = IpAddress.of(a);
      } else if (a instanceof Inet6Address && v6 == null) {
        v6 = IpAddress.of(a);
      }
    }
    return new NetstackTun(name, NetStackConfig.of(InterfaceConfig.of(v4, v6)), DEFAULT_QUEUE);
  }

  /** The TCP/IP stack applications use (dial, listen, UDP, ping). */
  public NetStack stack() {
    return stack;
  }

  /** Packets dropped because the device did not keep up. */
  public long dropped() {
    return dropped;
  }

  private void fromStack(ByteBuffer packet, int offset, int length) {
    byte[] copy = new byte[length];
    packet.get(offset, copy, 0, length);
    if (!outbound.offer(copy)) {
      dropped++;
    }
  }

  @Override
  public int read(ByteBuffer[] bufs, int[] sizes, int offset) throws IOException {
    byte[] p;
    try {
      p = outbound.poll(1, TimeUnit.SECONDS);
      while (p == null && !closed) {
        p = outbound.poll(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClosedChannelException();
    }
    if (closed || p == CLOSED || p == null) {
      throw new ClosedChannelException();
    }
    int n = 0;
    while (true) {
      copyInto(bufs[n], offset, p);
      sizes[n++] = p.length;
      if (n == bufs.length) {
        return n;
      }
      p = outbound.poll();
      if (p == null) {
        return n;
      }
      if (p == CLOSED) {
        outbound.offer(CLOSED);
        return n;
      }
    }
  }

  /** Copies at an absolute index whatever the buffer's current limit (the caller owns it). */
  private static void copyInto(ByteBuffer dst, int offset, byte[] p) {
    if (dst.hasArray()) {
      System.arraycopy(p, 0, dst.array(), dst.arrayOffset() + offset, p.length);
    } else {
      dst.duplicate().clear().put(offset, p);
    }
  }

  @Override
  public int write(ByteBuffer[] bufs, int count, int offset) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    for (int i = 0; i < count; i++) {
      stack.deliver(bufs[i], offset, bufs[i].limit() - offset);
    }
    return count;
  }

  @Override
  public int batchSize() {
    return 64;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void close() {
    closed = true;
    outbound.clear();
    outbound.offer(CLOSED);
    stack.close();
  }
}
