package io.weft.derp;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a state, bounded; polls without fixed sleeps as synchronisation. */
public final class Await {
  private Await() {}

  public static void until(String what, Duration limit, BooleanSupplier cond) {
    long end = System.nanoTime() + limit.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("timed out after " + limit + " waiting for " + what);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  public static void until(String what, BooleanSupplier cond) {
    until(what, Duration.ofSeconds(10), cond);
  }

  public static <T> T value(String what, Supplier<T> s) {
    Object[] box = new Object[1];
    until(what, () -> (box[0] = s.get()) != null);
    @SuppressWarnings("unchecked")
    T t = (T) box[0];
    return t;
  }
}
