package io.weft.wg.nativeio;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits calls until a native resource (a TUN device, a socket) is closed and says which party must
 * release it: the closer if no call is inside, otherwise the last call to leave (the JDK's scheme
 * for channels), so a descriptor is never closed, and its number reused, under a call still using
 * it.
 *
 * <p>One atomic word: the sign bit is "closed", the rest counts calls inside. A call costs two
 * atomic operations, paid once per batch.
 *
 * <pre>{@code
 * gate.enter();                 // throws ClosedChannelException once closed
 * try { ... } finally { if (gate.exit()) release(); }
 *
 * if (gate.closeAndEnter()) {   // false when already closed
 *   try { wakeBlockedCalls(); } finally { if (gate.exit()) release(); }
 * }
 * }</pre>
 */
public final class CloseGate {
  private static final int CLOSED = Integer.MIN_VALUE;

  private final AtomicInteger state = new AtomicInteger();

  /** Admits a call, or throws if the device is closed. */
  public void enter() throws ClosedChannelException {
    if (!tryEnter()) {
      throw new ClosedChannelException();
    }
  }

  /** Admits a call; false once closed (for callers that report closure without an exception). */
  public boolean tryEnter() {
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

  /**
   * Records that a call left.
   *
   * @return true exactly once, for the party that must now release the native resources
   */
  public boolean exit() {
    return state.decrementAndGet() == CLOSED;
  }

  /**
   * Closes the gate and admits the closer itself, so the resources it uses to wake blocked calls
   * stay valid until it calls {@link #exit()}.
   *
   * @return false if the gate was already closed (nothing to do, and no {@link #exit()} owed)
   */
  public boolean closeAndEnter() {
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

  /** Whether {@link #closeAndEnter()} has run. */
  public boolean isClosed() {
    return state.get() < 0;
  }
}
