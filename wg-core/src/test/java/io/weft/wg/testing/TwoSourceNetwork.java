package io.weft.wg.testing;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory network where each bind has two sources of datagrams, as magicsock has: a "UDP" path
 * addressed by port and a "relay" path addressed by name, whose endpoints have no socket address
 * (only an identity). Each source is its own {@link Bind.Receiver}, so the device runs one receive
 * loop per source. {@code parseEndpoint("relay:NAME")} names a relayed path.
 */
public final class TwoSourceNetwork {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Datagram CLOSED = new Datagram(null, new byte[0]);

  private final Map<Integer, TwoSourceBind> byPort = new ConcurrentHashMap<>();
  private final Map<String, TwoSourceBind> byName = new ConcurrentHashMap<>();
  private final Map<Integer, Endpoint> udpEndpoints = new ConcurrentHashMap<>();
  private final Map<String, RelayEndpoint> relayEndpoints = new ConcurrentHashMap<>();
  private int nextPort = 40000;

  private record Datagram(Endpoint from, byte[] bytes) {}

  /** A path through the relay to the bind named {@code name}: an identity and no address. */
  public record RelayEndpoint(String name, byte[] identity) implements Endpoint {
    @Override
    public InetSocketAddress destination() {
      return null;
    }

    @Override
    public String toString() {
      return "relay:" + name;
    }
  }

  /** A bind named {@code name} (its relay address) on a fresh port. */
  public synchronized TwoSourceBind bind(String name) {
    TwoSourceBind b = new TwoSourceBind(name, nextPort++);
    byName.put(name, b);
    return b;
  }

  private Endpoint udp(int port) {
    // One instance per address, as a real bind caches them.
    return udpEndpoints.computeIfAbsent(port, p -> new UdpPath(new InetSocketAddress(LOOPBACK, p)));
  }

  private RelayEndpoint relay(String name) {
    return relayEndpoints.computeIfAbsent(
        name, n -> new RelayEndpoint(n, ("relay/" + n).getBytes(StandardCharsets.UTF_8)));
  }

  private record UdpPath(InetSocketAddress destination, byte[] identity) implements Endpoint {
    UdpPath(InetSocketAddress destination) {
      this(destination, Endpoint.socketIdentity(destination));
    }

    @Override
    public String toString() {
      return destinationString();
    }
  }

  /** One node's bind: a UDP inbox and a relay inbox, each with its own receiver. */
  public final class TwoSourceBind implements Bind {
    final String name;
    final int port;
    final BlockingQueue<Datagram> udpInbox = new LinkedBlockingQueue<>();
    final BlockingQueue<Datagram> relayInbox = new LinkedBlockingQueue<>();

    /** Datagrams handed to the device from each source. */
    public final AtomicLong receivedUdp = new AtomicLong();

    public final AtomicLong receivedRelay = new AtomicLong();
    volatile boolean closed;

    TwoSourceBind(String name, int port) {
      this.name = name;
      this.port = port;
    }

    @Override
    public int open(int wanted) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      byPort.put(port, this);
      return port;
    }

    @Override
    public List<Receiver> receivers() {
      return List.of(this::receive, this::receiveRelay);
    }

    @Override
    public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
      int n = take(udpInbox, bufs, sizes, sources);
      receivedUdp.addAndGet(n);
      return n;
    }

    private int receiveRelay(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources)
        throws IOException {
      int n = take(relayInbox, bufs, sizes, sources);
      receivedRelay.addAndGet(n);
      return n;
    }

    private int take(
        BlockingQueue<Datagram> inbox, ByteBuffer[] bufs, int[] sizes, Endpoint[] sources)
        throws IOException {
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
      sources[0] = d.from();
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
        if (destination instanceof RelayEndpoint r) {
          TwoSourceBind to = byName.get(r.name());
          if (to != null) {
            to.relayInbox.add(new Datagram(relay(name), b));
          }
        } else {
          TwoSourceBind to = byPort.get(destination.destination().getPort());
          if (to != null) {
            to.udpInbox.add(new Datagram(udp(port), b));
          }
        }
      }
    }

    @Override
    public Endpoint parseEndpoint(String hostPort) {
      if (hostPort.startsWith("relay:")) {
        return relay(hostPort.substring("relay:".length()));
      }
      return udp(Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)));
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public void close() {
      closed = true;
      byPort.remove(port, this);
      udpInbox.add(CLOSED);
      relayInbox.add(CLOSED);
    }
  }
}
