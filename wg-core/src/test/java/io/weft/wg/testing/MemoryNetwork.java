package io.weft.wg.testing;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;

/**
 * An in-memory datagram network for {@link Bind}s: each bind gets a port on 127.0.0.1, datagrams
 * are delivered in send order, and a test can {@link #hold()} them to deliver later in an order of
 * its choosing ({@link #deliver}), e.g. to make two handshakes cross.
 */
public final class MemoryNetwork {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  /** A datagram in flight. */
  public record Datagram(int fromPort, int toPort, byte[] bytes) {
    /** The WireGuard message type (first byte). */
    public int type() {
      return bytes.length == 0 ? -1 : bytes[0] & 0xff;
    }
  }

  private final Map<Integer, MemoryBind> binds = new ConcurrentHashMap<>();
  private final Map<Integer, MemoryEndpoint> endpoints = new ConcurrentHashMap<>();
  private final List<Datagram> held = new ArrayList<>();
  private boolean holding;
  private int nextPort = 40_000;

  /** A new, unopened bind on this network. */
  public Bind newBind() {
    return new MemoryBind();
  }

  /** The port a bind of this network is open on (0 before it is opened). */
  public static int portOf(Bind bind) {
    if (bind instanceof MemoryBind m) {
      return m.port;
    }
    throw new IllegalArgumentException("not a memory bind: " + bind);
  }

  /** From now on, sent datagrams wait in the network until {@link #deliver} releases them. */
  public synchronized void hold() {
    holding = true;
  }

  /** Delivers every held datagram in send order and stops holding. */
  public synchronized void deliverAllAndStopHolding() {
    holding = false;
    deliver(d -> true);
  }

  /** Delivers the held datagrams that match, in send order; the rest stay held. */
  public synchronized int deliver(Predicate<Datagram> which) {
    int n = 0;
    for (Iterator<Datagram> it = held.iterator(); it.hasNext(); ) {
      Datagram d = it.next();
      if (which.test(d)) {
        it.remove();
        route(d);
        n++;
      }
    }
    return n;
  }

  /** How many held datagrams match. */
  public synchronized int countHeld(Predicate<Datagram> which) {
    int n = 0;
    for (Datagram d : held) {
      if (which.test(d)) {
        n++;
      }
    }
    return n;
  }

  /** The first held datagram that matches (it stays held), or null. */
  public synchronized Datagram heldMatching(Predicate<Datagram> which) {
    for (Datagram d : held) {
      if (which.test(d)) {
        return d;
      }
    }
    return null;
  }

  /** Delivers {@code d} now (or holds it while holding), e.g. to replay a captured datagram. */
  public void inject(Datagram d) {
    send(new Datagram(d.fromPort(), d.toPort(), d.bytes().clone()));
  }

  private synchronized void send(Datagram d) {
    if (holding) {
      held.add(d);
    } else {
      route(d);
    }
  }

  private void route(Datagram d) {
    MemoryBind to = binds.get(d.toPort());
    if (to != null) {
      to.inbox.add(d);
    }
  }

  private MemoryEndpoint endpoint(int port) {
    // One instance per address, as a real bind caches them, so identity comparisons work.
    return endpoints.computeIfAbsent(
        port, p -> new MemoryEndpoint(new InetSocketAddress(LOOPBACK, p)));
  }

  private record MemoryEndpoint(InetSocketAddress destination, byte[] identity)
      implements Endpoint {
    MemoryEndpoint(InetSocketAddress destination) {
      this(destination, Endpoint.socketIdentity(destination));
    }
  }

  private static final Datagram CLOSED = new Datagram(0, 0, new byte[0]);

  private final class MemoryBind implements Bind {
    final BlockingQueue<Datagram> inbox = new LinkedBlockingQueue<>();
    volatile int port;
    volatile boolean closed;

    @Override
    public int open(int wanted) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      synchronized (MemoryNetwork.this) {
        int p = wanted != 0 ? wanted : nextPort++;
        if (p == port) {
          return p;
        }
        if (binds.putIfAbsent(p, this) != null) {
          throw new IOException("port " + p + " in use");
        }
        if (port != 0) {
          binds.remove(port);
        }
        port = p;
        return p;
      }
    }

    @Override
    public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
      Datagram d;
      try {
        d = inbox.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClosedChannelException();
      }
      if (d == CLOSED || closed) {
        inbox.add(CLOSED);
        throw new ClosedChannelException();
      }
      bufs[0].put(0, d.bytes());
      sizes[0] = d.bytes().length;
      sources[0] = endpoint(d.fromPort());
      return 1;
    }

    @Override
    public void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      for (int i = 0; i < count; i++) {
        byte[] b = new byte[bufs[i].remaining()];
        bufs[i].get(b);
        MemoryNetwork.this.send(new Datagram(port, destination.destination().getPort(), b));
      }
    }

    @Override
    public Endpoint parseEndpoint(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      return endpoint(Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public void close() {
      closed = true;
      binds.remove(port, this);
      inbox.add(CLOSED);
    }
  }
}
