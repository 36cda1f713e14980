package io.weft.testing;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a state that another thread brings about, failing after a bounded time: never a fixed
 * sleep standing in for the state.
 */
public final class Await {
  private static final long POLL_NANOS = 1_000_000L;
  private static final Set<Thread.State> PARKED =
      EnumSet.of(Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.BLOCKED);

  private Await() {}

  /** Returns once {@code condition} holds; throws AssertionError after {@code timeout}. */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    final long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Returns once {@code thread} is blocked in the JVM (waiting on a lock, a condition or a park,
   * {@link Thread.State#WAITING}, {@code TIMED_WAITING} or {@code BLOCKED}): the state a test needs
   * before it wakes or closes what the thread waits on. A thread blocked in a native call or in a
   * socket read shows as {@code RUNNABLE}; wait for those through the OS instead.
   */
  public static void untilParked(Thread thread, Duration timeout) {
    until(thread.getName() + " parked", timeout, () -> PARKED.contains(thread.getState()));
  }
}
