package io.weft.netstack.tcp;

import io.weft.netstack.wire.IpAddress;
import java.util.ArrayDeque;

/**
 * A passive open (RFC 9293 section 3.10.1, LISTEN): SYNs to its port create sockets in
 * SYN_RECEIVED, which join the accept queue once ESTABLISHED. At most {@code backlog} connections
 * may be half-open or waiting to be accepted; further SYNs are dropped so the peer retries.
 */
public final class TcpListener {
  private final IpAddress localAddress;
  private final int port;
  private final int backlog;
  private final TcpConfig config;
  private final ArrayDeque<TcpSocket> ready = new ArrayDeque<>();
  private int halfOpen;
  private boolean closed;
  private Object attachment;

  public TcpListener(IpAddress localAddress, int port, int backlog, TcpConfig config) {
    this.localAddress = localAddress;
    this.port = port;
    this.backlog = backlog;
    this.config = config;
  }

  /** The bound address; unspecified means any address of the interface's family. */
  public IpAddress localAddress() {
    return localAddress;
  }

  public int port() {
    return port;
  }

  /** An object the owner keeps with the listener (the socket API's wait condition). */
  public Object attachment() {
    return attachment;
  }

  public void attach(Object value) {
    this.attachment = value;
  }

  public TcpConfig config() {
    return config;
  }

  /** The next established connection, or null. */
  public TcpSocket accept() {
    return ready.poll();
  }

  public boolean hasPending() {
    return !ready.isEmpty();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Stops accepting; connections not yet accepted are aborted by the interface. */
  public void close() {
    closed = true;
    TcpSocket s;
    while ((s = ready.poll()) != null) {
      s.abort();
    }
  }

  /** True if a new SYN may create a connection. */
  public boolean admits() {
    return !closed && halfOpen + ready.size() < backlog;
  }

  void onHalfOpen() {
    halfOpen++;
  }

  void onEstablished(TcpSocket socket) {
    halfOpen--;
    if (closed) {
      socket.abort();
    } else {
      ready.add(socket);
    }
  }

  void onHalfOpenFailed() {
    halfOpen--;
  }

  /**
   * True if the listener is bound to this destination address (or to any address of its family).
   */
  public boolean matches(IpAddress destination, int destinationPort) {
    if (destinationPort != port || closed) {
      return false;
    }
    if (localAddress.isUnspecified()) {
      return localAddress.isV4() == destination.isV4() || localAddress.equals(IpAddress.V6_ANY);
    }
    return localAddress.equals(destination);
  }
}
