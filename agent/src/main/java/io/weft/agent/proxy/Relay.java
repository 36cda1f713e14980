package io.weft.agent.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies bytes both ways between two {@link Duplex} ends until both directions ended: the calling
 * thread copies {@code a} to {@code b}, a virtual thread the other way. End of stream is passed on
 * as a half-close; an error in either direction closes both ends, and so does {@code idle} without
 * a byte either way (an end that can time out wakes to check; one that cannot is closed by the
 * other's check).
 */
final class Relay {
  private final long idleNanos;
  private final AtomicLong total = new AtomicLong();
  private volatile long lastActivity = System.nanoTime();

  private Relay(java.time.Duration idle) {
    this.idleNanos = idle.toNanos();
  }

  /** Relays until done; returns the bytes copied a to b plus b to a. */
  static long run(Duplex a, Duplex b, int bufferSize, java.time.Duration idle) {
    final Relay r = new Relay(idle);
    a.setTimeout(idle);
    b.setTimeout(idle);
    final Thread back = Thread.ofVirtual().name("relay-back").start(() -> r.pump(b, a, bufferSize));
    r.pump(a, b, bufferSize);
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      a.close();
      b.close();
    }
    a.close();
    b.close();
    return r.total.get();
  }

  private void pump(Duplex from, Duplex to, int bufferSize) {
    final ByteBuffer buf = ByteBuffer.allocate(bufferSize);
    try {
      while (true) {
        buf.clear();
        final int n;
        try {
          n = from.read(buf);
        } catch (java.net.SocketTimeoutException e) {
          if (System.nanoTime() - lastActivity < idleNanos) {
            continue; // the other direction is busy
          }
          throw e;
        }
        if (n < 0) {
          to.shutdownOutput();
          return;
        }
        buf.flip();
        lastActivity = System.nanoTime();
        while (buf.hasRemaining()) {
          final int before = buf.position();
          try {
            to.write(buf);
          } catch (java.net.SocketTimeoutException e) {
            if (buf.position() == before && System.nanoTime() - lastActivity >= idleNanos) {
              throw e; // no byte taken for a whole idle period
            }
          }
          lastActivity = System.nanoTime();
        }
        total.addAndGet(n);
      }
    } catch (IOException | RuntimeException e) {
      from.close();
      to.close();
    }
  }
}
