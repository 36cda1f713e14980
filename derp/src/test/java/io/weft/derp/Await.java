package io.weft.derp;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The derp tests' shorthands over {@link io.weft.testing.Await}: a 10 s default and values. */
public final class Await {
  private Await() {}

  public static void until(String what, Duration limit, BooleanSupplier cond) {
    io.weft.testing.Await.until(what, limit, cond);
  }

  public static void until(String what, BooleanSupplier cond) {
    until(what, Duration.ofSeconds(10), cond);
  }

  /** Waits until {@code s} gives a non-null value and returns it. */
  public static <T> T value(String what, Supplier<T> s) {
    Object[] box = new Object[1];
    until(what, () -> (box[0] = s.get()) != null);
    @SuppressWarnings("unchecked")
    T t = (T) box[0];
    return t;
  }
}
