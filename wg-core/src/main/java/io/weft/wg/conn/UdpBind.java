package io.weft.wg.conn;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * A {@link Bind} on one dual-stack {@link DatagramChannel} (IPv6 socket accepting IPv4-mapped
 * addresses, or IPv4 only where IPv6 is unavailable). Re-opening on another port swaps the channel
 * under a receiver blocked on the old one, which then continues on the new one.
 */
public final class UdpBind implements Bind {
  /** Socket buffer size asked for (the kernel may cap it at net.core.rmem_max). */
  public static final int SOCKET_BUFFER_BYTES = 7 * 1024 * 1024;

  private volatile DatagramChannel channel;
  private volatile boolean closed;
  private InetSocketAddress lastSource;
  private UdpEndpoint lastEndpoint;

  @Override
  public synchronized int open(int port) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    DatagramChannel old = channel;
    if (old != null && port != 0 && ((InetSocketAddress) old.getLocalAddress()).getPort() == port) {
      return port;
    }
    DatagramChannel ch = DatagramChannel.open();
    try {
      ch.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
      ch.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
      ch.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      ch.close();
      throw new IOException("cannot bind UDP port " + port + ": " + e.getMessage(), e);
    }
    channel = ch;
    if (old != null) {
      old.close();
    }
    return ((InetSocketAddress) ch.getLocalAddress()).getPort();
  }

  /** The bound port, or 0 when not open. */
  public int port() {
    DatagramChannel ch = channel;
    try {
      return ch == null ? 0 : ((InetSocketAddress) ch.getLocalAddress()).getPort();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  public int receive(ByteBuffer[] bufs, int[] sizes, Endpoint[] sources) throws IOException {
    while (true) {
      DatagramChannel ch = channel;
      if (closed || ch == null) {
        throw new ClosedChannelException();
      }
      ByteBuffer b = bufs[0];
      b.clear();
      try {
        SocketAddress from = ch.receive(b);
        if (from == null) {
          continue;
        }
        sizes[0] = b.position();
        b.clear();
        sources[0] = endpointFor((InetSocketAddress) from);
        return 1;
      } catch (ClosedChannelException e) {
        if (closed) {
          throw new ClosedChannelException();
        }
        // The channel was swapped by open(): continue on the new one.
      }
    }
  }

  private UdpEndpoint endpointFor(InetSocketAddress from) {
    // The JDK hands back the same address object while the sender stays the same; so do we.
    if (from != lastSource) {
      lastSource = from;
      lastEndpoint = new UdpEndpoint(unmap(from));
    }
    return lastEndpoint;
  }

  private static InetSocketAddress unmap(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    if (ip instanceof Inet6Address) {
      byte[] b = ip.getAddress();
      boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        try {
          return new InetSocketAddress(
              InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)), a.getPort());
        } catch (UnknownHostException e) {
          return a;
        }
      }
    }
    return a;
  }

  @Override
  public void send(ByteBuffer[] bufs, int count, Endpoint destination) throws IOException {
    DatagramChannel ch = channel;
    if (closed || ch == null) {
      throw new ClosedChannelException();
    }
    InetSocketAddress to = destination.destination();
    if (to == null) {
      throw new IOException("endpoint " + destination + " has no socket address");
    }
    for (int i = 0; i < count; i++) {
      ch.send(bufs[i], to);
    }
  }

  @Override
  public Endpoint parseEndpoint(String hostPort) {
    return new UdpEndpoint(parseSocketAddress(hostPort));
  }

  /** Parses {@code host:port} or {@code [v6]:port} with a numeric address. */
  public static InetSocketAddress parseSocketAddress(String s) {
    if (s == null) {
      throw new IllegalArgumentException("endpoint: missing");
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("endpoint '" + s + "': expected host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("endpoint '" + s + "': IPv6 addresses need [brackets]");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("endpoint '" + s + "': bad port");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint '" + s + "': port out of range");
    }
    try {
      return new InetSocketAddress(InetAddress.ofLiteral(host), port);
    } catch (IllegalArgumentException e) {
      try {
        return new InetSocketAddress(InetAddress.getByName(host), port);
      } catch (UnknownHostException u) {
        throw new IllegalArgumentException("endpoint '" + s + "': unknown host");
      }
    }
  }

  @Override
  public int batchSize() {
    return 1;
  }

  @Override
  public synchronized void close() throws IOException {
    closed = true;
    DatagramChannel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }
}
