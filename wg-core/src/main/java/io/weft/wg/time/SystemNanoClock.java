package io.weft.wg.time;

import java.time.Instant;

/** {@link NanoClock#SYSTEM}: the JVM's monotonic timer and the system wall clock. */
enum SystemNanoClock implements NanoClock {
  INSTANCE;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long epochNanos() {
    // Instant.now() is the only public wall clock with sub-millisecond resolution; escape
    // analysis usually removes the allocation, and this is read once per handshake, not per packet.
    final Instant now = Instant.now();
    return now.getEpochSecond() * NANOS_PER_SECOND + now.getNano();
  }

  @Override
  public String toString() {
    return "NanoClock.SYSTEM";
  }
}
