package io.weft.agent.proxy;

import io.weft.netstack.UdpEndpoint;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SOCKS5 server (RFC 1928) on a host socket whose CONNECT and UDP ASSOCIATE go into the mesh: no
 * authentication, or username/password (RFC 1929) when credentials are configured. Malformed input
 * gets the RFC's failure reply (where one can be framed) and the connection is closed.
 */
public final class Socks5Server extends HostListener {
  private static final System.Logger LOG = System.getLogger(Socks5Server.class.getName());
  private static final Duration UDP_POLL = Duration.ofMillis(500);
  private static final int MAX_DATAGRAM = 65535;

  private final MeshDialer dialer;
  private final Map<String, byte[]> users;
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong udpDropped = new AtomicLong();

  /**
   * Listens on {@code bind}; {@code users} maps user names to passwords (empty: no authentication).
   */
  Socks5Server(
      InetSocketAddress bind, MeshDialer dialer, Map<String, String> users, ProxyLimits limits)
      throws IOException {
    super("socks5", bind, limits);
    this.dialer = dialer;
    final java.util.HashMap<String, byte[]> u = new java.util.HashMap<>();
    users.forEach((k, v) -> u.put(k, v.getBytes(StandardCharsets.UTF_8)));
    this.users = Map.copyOf(u);
    if (!bind.getAddress().isLoopbackAddress() && users.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "SOCKS5 on {0} without authentication: anyone who reaches it enters the mesh",
          bind);
    }
    start();
  }

  /** Handshakes that were malformed or failed authentication. */
  public long malformed() {
    return malformed.get();
  }

  /** UDP datagrams dropped (bad header, fragment, destination outside the mesh, stranger). */
  public long udpDropped() {
    return udpDropped.get();
  }

  @Override
  void serve(SocketChannel client) throws IOException {
    final DeadlineReader in = new DeadlineReader(client, limits.handshakeTimeout());
    final Buffer b = new Buffer();
    final Socks5 p = new Socks5();
    try {
      int n = b.fill(in, p::greeting);
      if (n < 0) {
        malformed.incrementAndGet();
        return;
      }
      final boolean auth = !users.isEmpty();
      final int method = auth ? Socks5.METHOD_USER_PASS : Socks5.METHOD_NO_AUTH;
      if (!p.offers(b.bytes, method)) {
        send(client, new byte[] {Socks5.VERSION, (byte) Socks5.METHOD_NONE_ACCEPTABLE});
        malformed.incrementAndGet();
        return;
      }
      b.consume(n);
      send(client, new byte[] {Socks5.VERSION, (byte) method});
      if (auth) {
        n = b.fill(in, p::userPass);
        final boolean ok = n > 0 && checkPassword(p.username, p.password);
        send(client, new byte[] {Socks5.AUTH_VERSION, (byte) (ok ? 0 : 1)});
        if (!ok) {
          malformed.incrementAndGet();
          return;
        }
        b.consume(n);
      }
      n = b.fill(in, p::request);
      if (n < 0) {
        malformed.incrementAndGet();
        if (n == Socks5.INVALID) {
          send(client, Socks5.reply(Socks5.REP_GENERAL_FAILURE, null, 0));
        }
        return;
      }
      b.consume(n);
      if (p.reply != Socks5.REP_SUCCEEDED) {
        send(client, Socks5.reply(p.reply, null, 0));
        return;
      }
      in.done();
      if (p.command == Socks5.CMD_CONNECT) {
        connect(client, p, b);
      } else {
        udpAssociate(client, p);
      }
    } catch (SocketTimeoutException e) {
      malformed.incrementAndGet(); // the handshake deadline passed: close without a word
    }
  }

  private boolean checkPassword(String user, byte[] password) {
    final byte[] want = users.get(user);
    // Compared in constant time; an unknown user is compared against itself to keep timing flat.
    return MessageDigest.isEqual(want == null ? password : want, password) && want != null;
  }

  private void connect(SocketChannel client, Socks5 p, Buffer early) throws IOException {
    final Duplex target;
    try {
      target = dialer.dial(p.host, p.address, p.port);
    } catch (MeshDialer.DialException e) {
      send(client, Socks5.reply(replyFor(e.failure), null, 0));
      return;
    }
    // BND is left zero: the netstack's local address is a mesh address the client cannot use.
    send(client, Socks5.reply(Socks5.REP_SUCCEEDED, null, 0));
    if (early.length > 0) {
      // Bytes the client sent after its request, before the reply (optimistic data).
      target.write(ByteBuffer.wrap(early.bytes, 0, early.length));
    }
    Relay.run(Duplex.of(client), target, limits.bufferSize(), limits.idleTimeout());
  }

  static int replyFor(MeshDialer.Failure f) {
    return switch (f) {
      case NO_STACK, FAILED -> Socks5.REP_GENERAL_FAILURE;
      case UNKNOWN_NAME, UNREACHABLE -> Socks5.REP_HOST_UNREACHABLE;
      case NOT_IN_MESH -> Socks5.REP_NETWORK_UNREACHABLE;
      case REFUSED -> Socks5.REP_CONNECTION_REFUSED;
    };
  }

  // ---- UDP ASSOCIATE (RFC 1928 section 7) ----

  private void udpAssociate(SocketChannel control, Socks5 p) throws IOException {
    final InetSocketAddress controlLocal = (InetSocketAddress) control.getLocalAddress();
    final InetSocketAddress clientTcp = (InetSocketAddress) control.getRemoteAddress();
    final UdpEndpoint mesh;
    try {
      mesh = dialer.openUdp();
    } catch (MeshDialer.DialException e) {
      send(control, Socks5.reply(replyFor(e.failure), null, 0));
      return;
    }
    final DatagramChannel relay = DatagramChannel.open();
    try (mesh) {
      relay.bind(new InetSocketAddress(controlLocal.getAddress(), 0));
      final InetSocketAddress relayAddress = (InetSocketAddress) relay.getLocalAddress();
      // The client may name the address it will send from; only that host (and port, if given) is
      // served.
      final int expectedPort = p.port;
      final UdpAssociation a =
          new UdpAssociation(relay, mesh, clientTcp.getAddress(), expectedPort);
      send(
          control,
          Socks5.reply(Socks5.REP_SUCCEEDED, relayAddress.getAddress(), relayAddress.getPort()));
      final Thread up = Thread.ofVirtual().name("socks5-udp-up").start(a::clientToMesh);
      final Thread down = Thread.ofVirtual().name("socks5-udp-down").start(a::meshToClient);
      // The association lives as long as the TCP connection (RFC 1928 section 7).
      final ByteBuffer sink = ByteBuffer.allocate(64);
      try {
        while (control.read(sink.clear()) >= 0) {
          // Anything the client sends on the control connection is ignored.
        }
      } catch (IOException e) {
        // The control connection ended.
      }
      a.closed = true;
      relay.close(); // ends the receive in clientToMesh
      try {
        up.join();
        down.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      relay.close();
    }
  }

  private final class UdpAssociation {
    final DatagramChannel relay;
    final UdpEndpoint mesh;
    final InetAddress clientHost;
    final int clientPort;
    volatile InetSocketAddress client;
    volatile boolean closed;

    UdpAssociation(
        DatagramChannel relay, UdpEndpoint mesh, InetAddress clientHost, int clientPort) {
      this.relay = relay;
      this.mesh = mesh;
      this.clientHost = clientHost;
      this.clientPort = clientPort;
    }

    void clientToMesh() {
      final ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM);
      final Socks5 p = new Socks5();
      while (!closed) {
        final InetSocketAddress from;
        try {
          from = (InetSocketAddress) relay.receive(buf.clear());
        } catch (IOException e) {
          return;
        }
        if (!from.getAddress().equals(clientHost)
            || (clientPort != 0 && from.getPort() != clientPort)) {
          udpDropped.incrementAndGet();
          continue;
        }
        if (client == null) {
          client = from;
        } else if (!client.equals(from)) {
          udpDropped.incrementAndGet();
          continue;
        }
        final byte[] b = buf.array();
        final int header = p.udpHeader(b, 0, buf.position());
        if (header < 0) {
          udpDropped.incrementAndGet();
          continue;
        }
        final InetAddress to;
        try {
          to = p.address != null ? meshOnly(p.address) : dialer.resolveMesh(p.host);
        } catch (MeshDialer.DialException e) {
          udpDropped.incrementAndGet();
          continue;
        }
        if (!mesh.send(
            ByteBuffer.wrap(b, header, buf.position() - header),
            new InetSocketAddress(to, p.port))) {
          udpDropped.incrementAndGet();
        }
      }
    }

    private InetAddress meshOnly(InetAddress a) throws MeshDialer.DialException {
      return dialer.resolveMesh(a.getHostAddress());
    }

    void meshToClient() {
      final ByteBuffer payload = ByteBuffer.allocate(MAX_DATAGRAM);
      final byte[] out = new byte[MAX_DATAGRAM + 22];
      while (!closed) {
        final InetSocketAddress from;
        try {
          from = mesh.receive(payload.clear(), UDP_POLL);
        } catch (SocketTimeoutException e) {
          continue;
        } catch (IOException e) {
          return;
        }
        final InetSocketAddress c = client;
        if (c == null) {
          udpDropped.incrementAndGet();
          continue;
        }
        out[0] = 0;
        out[1] = 0;
        out[2] = 0;
        final int header = Socks5.encodeAddress(out, 3, from.getAddress(), from.getPort());
        payload.flip();
        final int n = Math.min(payload.remaining(), out.length - header);
        payload.get(out, header, n);
        try {
          relay.send(ByteBuffer.wrap(out, 0, header + n), c);
        } catch (IOException e) {
          return;
        }
      }
    }
  }

  // ---- plumbing ----

  private static void send(SocketChannel ch, byte[] b) throws IOException {
    final ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Bytes read but not yet consumed by the parser. */
  private static final class Buffer {
    final byte[] bytes = new byte[Socks5.MAX_MESSAGE + 16];
    int length;

    interface Parse {
      int apply(byte[] b, int len);
    }

    /**
     * Reads until {@code parse} frames a message: its length, or INVALID, or NEED_MORE at end of
     * stream.
     */
    int fill(DeadlineReader in, Parse parse) throws IOException {
      while (true) {
        final int r = parse.apply(bytes, length);
        if (r != Socks5.NEED_MORE) {
          return r;
        }
        if (length == bytes.length) {
          return Socks5.INVALID;
        }
        final int n = in.read(bytes, length, bytes.length - length);
        if (n < 0) {
          return Socks5.NEED_MORE;
        }
        length += n;
      }
    }

    void consume(int n) {
      System.arraycopy(bytes, n, bytes, 0, length - n);
      length -= n;
    }
  }
}
