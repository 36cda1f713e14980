package io.weft.agent.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A UDP relay that holds every datagram for a fixed time before passing it on: a one-hop netem
 * delay for kernels without {@code sch_netem}. Runs as its own process inside a test namespace:
 *
 * <pre>DelayRelay delayMs lifetimeSeconds bindX:port forwardX:port bindY:port forwardY:port</pre>
 *
 * What arrives on socket X goes out of socket Y to forwardY, and what arrives on Y goes out of X to
 * forwardX, so each side sees the relay's socket facing it as its peer. Exits after the lifetime.
 */
public final class DelayRelay {
  private DelayRelay() {}

  private record Held(long dueNanos, DatagramChannel out, InetSocketAddress to, byte[] bytes)
      implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(dueNanos, ((Held) o).dueNanos);
    }
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(
        hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  public static void main(String[] args) throws Exception {
    final long delayNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[0]));
    final long endNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
    final DatagramChannel x = DatagramChannel.open().bind(address(args[2]));
    final InetSocketAddress forwardX = address(args[3]);
    final DatagramChannel y = DatagramChannel.open().bind(address(args[4]));
    final InetSocketAddress forwardY = address(args[5]);
    final DelayQueue<Held> queue = new DelayQueue<>();
    Thread.ofPlatform().daemon().start(() -> pump(x, y, forwardY, delayNanos, queue));
    Thread.ofPlatform().daemon().start(() -> pump(y, x, forwardX, delayNanos, queue));
    System.out.println("ready");
    System.out.flush();
    while (System.nanoTime() - endNanos < 0) {
      Held h = queue.poll(1, TimeUnit.SECONDS);
      if (h != null) {
        h.out().send(ByteBuffer.wrap(h.bytes()), h.to());
      }
    }
    System.exit(0);
  }

  private static void pump(
      DatagramChannel in,
      DatagramChannel out,
      InetSocketAddress to,
      long delayNanos,
      DelayQueue<Held> queue) {
    ByteBuffer buf = ByteBuffer.allocate(65_536);
    try {
      while (true) {
        buf.clear();
        in.receive(buf);
        buf.flip();
        byte[] b = new byte[buf.remaining()];
        buf.get(b);
        queue.add(new Held(System.nanoTime() + delayNanos, out, to, b));
      }
    } catch (IOException e) {
      System.out.println("relay stopped: " + e.getMessage());
    }
  }
}
