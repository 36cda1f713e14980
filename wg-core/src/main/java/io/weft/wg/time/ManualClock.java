package io.weft.wg.time;

import java.time.Duration;
import java.time.Instant;

/**
 * A {@link NanoClock} that moves only when told to, for tests and simulations.
 *
 * <p>{@link #advance} moves both readings together, as real time passing does; {@link
 * #setEpochNanos} steps only the wall clock, as an administrator or NTP setting the system clock
 * does, and leaves the monotonic reading alone. Thread-safe: the two readings change atomically
 * with respect to each other.
 */
public final class ManualClock implements NanoClock {

  /** Where {@link #ManualClock()} starts monotonic time: not zero, which may mean "never". */
  public static final long DEFAULT_START_NANO_TIME = 1_000_000_000_000L;

  /** Where {@link #ManualClock()} starts the wall clock: 2020-01-01T00:00:00Z. */
  public static final long DEFAULT_START_EPOCH_NANOS = 1_577_836_800_000_000_000L;

  private long nanoTime;
  private long epochNanos;

  /** A clock at {@link #DEFAULT_START_NANO_TIME} and {@link #DEFAULT_START_EPOCH_NANOS}. */
  public ManualClock() {
    this(DEFAULT_START_NANO_TIME, DEFAULT_START_EPOCH_NANOS);
  }

  /** A clock at the given monotonic and wall-clock readings. */
  public ManualClock(final long nanoTime, final long epochNanos) {
    this.nanoTime = nanoTime;
    this.epochNanos = epochNanos;
  }

  @Override
  public synchronized long nanoTime() {
    return nanoTime;
  }

  @Override
  public synchronized long epochNanos() {
    return epochNanos;
  }

  /**
   * Lets {@code nanos} nanoseconds pass on both clocks.
   *
   * @throws IllegalArgumentException if {@code nanos} is negative: monotonic time never goes back
   */
  public synchronized void advanceNanos(final long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("a monotonic clock cannot go back: " + nanos + " ns");
    }
    nanoTime += nanos;
    epochNanos += nanos;
  }

  /** Lets {@code duration} pass on both clocks; see {@link #advanceNanos(long)}. */
  public void advance(final Duration duration) {
    advanceNanos(duration.toNanos());
  }

  /** Steps the wall clock to {@code epochNanos}, either way; monotonic time does not move. */
  public synchronized void setEpochNanos(final long epochNanos) {
    this.epochNanos = epochNanos;
  }

  @Override
  public synchronized String toString() {
    final Instant wall = Instant.ofEpochSecond(0, epochNanos);
    return "ManualClock[nanoTime=" + nanoTime + ", wall=" + wall + "]";
  }
}
