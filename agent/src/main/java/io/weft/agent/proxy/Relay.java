package io.weft.agent.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies bytes both ways between two {@link Duplex} ends until both directions ended: the
 * calling thread copies {@code a} to {@code b}, a virtual thread the other way. End of stream is
 * passed on as a half-close; an error in either direction closes both ends.
 */
final class Relay {
  private Relay() {}

  /** Relays until done; returns the bytes copied a to b plus b to a. */
  static long run(Duplex a, Duplex b, int bufferSize) {
    final AtomicLong total = new AtomicLong();
    final Thread back = Thread.ofVirtual().name("relay-back").start(() -> pump(b, a, bufferSize, total));
    pump(a, b, bufferSize, total);
    try {
      back.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      a.close();
      b.close();
    }
    a.close();
    b.close();
    return total.get();
  }

  private static void pump(Duplex from, Duplex to, int bufferSize, AtomicLong total) {
    final ByteBuffer buf = ByteBuffer.allocate(bufferSize);
    try {
      while (true) {
        buf.clear();
        final int n = from.read(buf);
        if (n < 0) {
          to.shutdownOutput();
          return;
        }
        buf.flip();
        to.write(buf);
        total.addAndGet(n);
      }
    } catch (IOException | RuntimeException e) {
      from.close();
      to.close();
    }
  }
}
