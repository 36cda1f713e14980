package io.weft.wg.conn.linux;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits calls until a socket is retired and says which party must close its descriptors: the
 * retirer if no call is inside, otherwise the last call to leave (the JDK's scheme for channels).
 * One atomic word: the sign bit is "closed", the rest counts calls inside.
 *
 * <p>The same mechanism as {@code io.weft.tun.io.CloseGate} in tun-native, which depends on this
 * module and could share this one once it is made public.
 */
final class CloseGate {
  private static final int CLOSED = Integer.MIN_VALUE;

  private final AtomicInteger state = new AtomicInteger();

  /** Admits a call; false once closed. */
  boolean tryEnter() {
    final AtomicInteger s = state;
    for (; ; ) {
      final int v = s.get();
      if (v < 0) {
        return false;
      }
      if (s.compareAndSet(v, v + 1)) {
        return true;
      }
    }
  }

  /** Records that a call left; true exactly once, for the party that must release. */
  boolean exit() {
    return state.decrementAndGet() == CLOSED;
  }

  /** Closes the gate and admits the closer; false if it was already closed (no exit owed). */
  boolean closeAndEnter() {
    final AtomicInteger s = state;
    for (; ; ) {
      final int v = s.get();
      if (v < 0) {
        return false;
      }
      if (s.compareAndSet(v, (v | CLOSED) + 1)) {
        return true;
      }
    }
  }

  boolean isClosed() {
    return state.get() < 0;
  }
}
