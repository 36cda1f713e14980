package io.weft.agent.proxy;

import io.weft.netstack.NetStack;
import io.weft.netstack.TcpConnection;
import io.weft.netstack.TcpServer;
import io.weft.netstack.UdpEndpoint;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Inbound forwarding: connections and datagrams to a port of the node's mesh addresses (on the
 * netstack) are forwarded to a host address, usually {@code 127.0.0.1:PORT}. Each UDP peer gets its
 * own host socket, so replies find their way back; it closes after {@link #UDP_IDLE} without
 * traffic, and at most {@link #MAX_UDP_SESSIONS} exist per rule.
 */
public final class InboundForwarder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(InboundForwarder.class.getName());
  static final Duration UDP_IDLE = Duration.ofSeconds(60);
  static final int MAX_UDP_SESSIONS = 256;
  private static final Duration POLL = Duration.ofMillis(500);

  /** One rule: {@code tcp:80=127.0.0.1:8080}. */
  public record Rule(boolean tcp, int meshPort, InetSocketAddress target) {
    /**
     * Parses {@code tcp:PORT=HOST:PORT} or {@code udp:PORT=HOST:PORT}; HOST must be an IP literal.
     */
    public static Rule parse(String s) {
      final String[] protoRest = s.split(":", 2);
      final int eq = protoRest.length == 2 ? protoRest[1].indexOf('=') : -1;
      if (eq < 0 || !(protoRest[0].equals("tcp") || protoRest[0].equals("udp"))) {
        throw new IllegalArgumentException(
            "expected tcp:PORT=HOST:PORT or udp:PORT=HOST:PORT, got " + s);
      }
      final int port = ProxyOptions.port(protoRest[1].substring(0, eq), s);
      return new Rule(
          protoRest[0].equals("tcp"), port, ProxyOptions.hostPort(protoRest[1].substring(eq + 1)));
    }

    @Override
    public String toString() {
      return (tcp ? "tcp:" : "udp:")
          + meshPort
          + "="
          + target.getAddress().getHostAddress()
          + ":"
          + target.getPort();
    }
  }

  private final List<AutoCloseable> open = new ArrayList<>();
  private final ProxyLimits limits;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  /** Listens on each rule's port of {@code stack}. */
  public InboundForwarder(NetStack stack, List<Rule> rules, ProxyLimits limits) throws IOException {
    this.limits = limits;
    try {
      for (Rule r : rules) {
        if (r.tcp()) {
          final TcpServer server = stack.listenTcp(r.meshPort(), 64);
          open.add(server);
          Thread.ofVirtual().name("forward-" + r).start(() -> acceptLoop(server, r));
        } else {
          final UdpEndpoint udp = stack.openUdp(r.meshPort());
          open.add(udp);
          Thread.ofVirtual().name("forward-" + r).start(() -> udpLoop(udp, r));
        }
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** Connections and datagrams forwarded. */
  public long forwarded() {
    return forwarded.get();
  }

  /** Connections refused by the host target or over the cap, datagrams dropped. */
  public long dropped() {
    return dropped.get();
  }

  private void acceptLoop(TcpServer server, Rule r) {
    final Semaphore slots = new Semaphore(limits.maxConnections());
    while (!closed) {
      final TcpConnection c;
      try {
        c = server.accept();
      } catch (IOException e) {
        return;
      }
      if (!slots.tryAcquire()) {
        dropped.incrementAndGet();
        c.abort();
        continue;
      }
      Thread.ofVirtual()
          .name("forward-conn")
          .start(
              () -> {
                try {
                  final SocketChannel host;
                  try {
                    host = SocketChannel.open();
                    host.socket().connect(r.target(), (int) limits.connectTimeout().toMillis());
                  } catch (IOException e) {
                    dropped.incrementAndGet();
                    c.abort(); // the peer sees a reset, as if the port were closed
                    return;
                  }
                  forwarded.incrementAndGet();
                  Relay.run(
                      Duplex.of(c), Duplex.of(host), limits.bufferSize(), limits.idleTimeout());
                } finally {
                  slots.release();
                }
              });
    }
  }

  private void udpLoop(UdpEndpoint udp, Rule r) {
    final Map<InetSocketAddress, DatagramSocket> sessions = new ConcurrentHashMap<>();
    final ByteBuffer buf = ByteBuffer.allocate(65535);
    while (!closed) {
      final InetSocketAddress from;
      try {
        from = udp.receive(buf.clear(), POLL);
      } catch (SocketTimeoutException e) {
        continue;
      } catch (IOException e) {
        break;
      }
      DatagramSocket s = sessions.get(from);
      if (s == null) {
        if (sessions.size() >= MAX_UDP_SESSIONS) {
          dropped.incrementAndGet();
          continue;
        }
        try {
          s = new DatagramSocket();
          s.connect(r.target());
          s.setSoTimeout((int) UDP_IDLE.toMillis());
        } catch (IOException e) {
          dropped.incrementAndGet();
          continue;
        }
        sessions.put(from, s);
        final DatagramSocket session = s;
        Thread.ofVirtual()
            .name("forward-udp-back")
            .start(() -> udpBack(udp, from, session, sessions));
      }
      try {
        s.send(new DatagramPacket(buf.array(), 0, buf.position()));
        forwarded.incrementAndGet();
      } catch (IOException e) {
        dropped.incrementAndGet();
      }
    }
    sessions.values().forEach(DatagramSocket::close);
  }

  /** Replies from the host target back to the peer, until the session is idle or closed. */
  private void udpBack(
      UdpEndpoint udp,
      InetSocketAddress peer,
      DatagramSocket s,
      Map<InetSocketAddress, DatagramSocket> sessions) {
    final byte[] b = new byte[65535];
    final DatagramPacket p = new DatagramPacket(b, b.length);
    try {
      while (!closed) {
        p.setLength(b.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          break; // idle
        }
        if (!udp.send(ByteBuffer.wrap(b, 0, p.getLength()), peer)) {
          dropped.incrementAndGet();
        }
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "udp forward session ended: {0}", e.getMessage());
    } finally {
      sessions.remove(peer, s);
      s.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (AutoCloseable c : open) {
      HostListener.closeQuietly(c);
    }
  }
}
