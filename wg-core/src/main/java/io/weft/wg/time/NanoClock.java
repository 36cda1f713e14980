package io.weft.wg.time;

/**
 * A source of time in nanoseconds: a monotonic reading for measuring intervals and a wall-clock
 * reading for timestamps that leave the machine.
 *
 * <p>Monotonic readings are only meaningful relative to each other (compare them by subtraction,
 * never with {@code <}, as for {@link System#nanoTime()}). Wall-clock readings may step backwards
 * when the system clock is set.
 */
public interface NanoClock {

  /** The system clocks: {@link System#nanoTime()} and the UTC wall clock. */
  NanoClock SYSTEM = SystemNanoClock.INSTANCE;

  /** Monotonic time in nanoseconds from an arbitrary origin. */
  long nanoTime();

  /** Wall-clock time in nanoseconds since 1970-01-01T00:00:00Z (good until the year 2262). */
  long epochNanos();
}
