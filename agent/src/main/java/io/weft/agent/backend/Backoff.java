package io.weft.agent.backend;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnection delays: exponential from {@code initial}, capped at {@code max}, with "equal jitter"
 * (half the capped delay plus a random part up to the other half), so that many nodes cut off by
 * the same server restart do not all come back in the same instant.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final RandomGenerator random;

  public Backoff(Duration initial, Duration max, RandomGenerator random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 < initial <= max, got " + initial + ", " + max);
    }
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = random;
  }

  /** The delay before retry number {@code attempt} (0 for the first retry); never above max. */
  public Duration delay(int attempt) {
    long cap = initialNanos;
    for (int i = 0; i < attempt && cap < maxNanos; i++) {
      cap = cap > maxNanos / 2 ? maxNanos : cap * 2;
    }
    cap = Math.min(cap, maxNanos);
    long half = cap / 2;
    return Duration.ofNanos(half + random.nextLong(cap - half + 1));
  }
}
