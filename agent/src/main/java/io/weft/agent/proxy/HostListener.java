package io.weft.agent.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A listening socket on the host (loopback by default) whose connections each get a virtual thread,
 * at most {@link ProxyLimits#maxConnections()} at once: one more is closed on accept and counted in
 * {@link #rejected()}.
 */
abstract class HostListener implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(HostListener.class.getName());

  final ProxyLimits limits;
  private final ServerSocketChannel server;
  private final Semaphore slots;
  private final Thread acceptor;
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private final java.util.Set<SocketChannel> clients =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  HostListener(String what, InetSocketAddress bind, ProxyLimits limits) throws IOException {
    this.limits = limits;
    this.slots = new Semaphore(limits.maxConnections());
    this.server = ServerSocketChannel.open();
    try {
      server.bind(bind, 128);
    } catch (IOException e) {
      server.close();
      throw new IOException(what + " cannot listen on " + bind + ": " + e.getMessage(), e);
    }
    this.acceptor = Thread.ofVirtual().name(what + "-accept").unstarted(this::acceptLoop);
  }

  /** Starts accepting; called once the subclass is constructed. */
  final void start() {
    acceptor.start();
  }

  /** Serves one client; the channel is closed afterwards. Must not throw on client garbage. */
  abstract void serve(SocketChannel client) throws IOException;

  private void acceptLoop() {
    while (!closed) {
      final SocketChannel c;
      try {
        c = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "accept failed: {0}", e.getMessage());
        }
        return;
      }
      if (!slots.tryAcquire()) {
        rejected.incrementAndGet();
        closeQuietly(c);
        continue;
      }
      served.incrementAndGet();
      clients.add(c);
      if (closed) {
        closeQuietly(c); // close() may have run its sweep before the add
      }
      Thread.ofVirtual()
          .name("proxy-conn")
          .start(
              () -> {
                try (c) {
                  serve(c);
                } catch (IOException | RuntimeException e) {
                  LOG.log(Level.DEBUG, "proxy connection ended: {0}", e.toString());
                } finally {
                  clients.remove(c);
                  slots.release();
                }
              });
    }
  }

  /** The bound address (its port when 0 was asked for). */
  public final InetSocketAddress address() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("listener closed", e);
    }
  }

  /** Connections closed at once because {@link ProxyLimits#maxConnections()} were being served. */
  public final long rejected() {
    return rejected.get();
  }

  /** Connections accepted for serving. */
  public final long served() {
    return served.get();
  }

  /** Connections being served right now. */
  public final int active() {
    return limits.maxConnections() - slots.availablePermits();
  }

  /** Stops listening and closes every client connection, which ends its relay. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    for (SocketChannel c : clients) {
      closeQuietly(c);
    }
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Best effort.
    }
  }

  /** Reads from a client with one overall deadline for its handshake. */
  static final class DeadlineReader {
    private final SocketChannel ch;
    private final InputStream in;
    private final long deadline;

    DeadlineReader(SocketChannel ch, java.time.Duration timeout) throws IOException {
      this.ch = ch;
      this.in = ch.socket().getInputStream();
      this.deadline = System.nanoTime() + timeout.toNanos();
    }

    /**
     * Reads into {@code b} at {@code off}; -1 at end of stream; throws once the deadline passed.
     */
    int read(byte[] b, int off, int len) throws IOException {
      final long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("handshake deadline passed");
      }
      ch.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, left)));
      return in.read(b, off, len);
    }

    /** Back to blocking reads without a timeout, for the relay. */
    void done() throws IOException {
      ch.socket().setSoTimeout(0);
    }
  }
}
