package io.weft.derp.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential reconnect backoff with full jitter, reset after a connection that worked. */
public final class Backoff {
  private final long minNanos;
  private final long maxNanos;
  private int failures;

  public Backoff(Duration min, Duration max) {
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
  }

  /** The wait before the next attempt; each call doubles the ceiling up to the maximum. */
  public long nextDelayNanos() {
    long ceiling = Math.min(maxNanos, minNanos << Math.min(failures, 20));
    failures++;
    return minNanos / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - minNanos / 2));
  }

  public void reset() {
    failures = 0;
  }
}
