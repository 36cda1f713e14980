package io.weft.control.server;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token buckets per key on an injected clock, as the generic cell rate algorithm: each key keeps
 * one "theoretical arrival time"; an event is allowed while that time is at most {@code (burst - 1)
 * * interval} ahead of now, and pushes it one interval on. At most {@code maxKeys} keys are
 * remembered; the least recently used is forgotten first.
 */
final class RateLimiter<K> {
  private final long burstMillis;
  private final long intervalMillis;
  private final Clock clock;
  private final LinkedHashMap<K, Long> tat;

  RateLimiter(int burst, long intervalMillis, int maxKeys, Clock clock) {
    this.intervalMillis = intervalMillis;
    this.burstMillis = (long) burst * intervalMillis;
    this.clock = clock;
    this.tat =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<K, Long> eldest) {
            return size() > maxKeys;
          }
        };
  }

  /** Whether an event for {@code key} is allowed now (without counting one). */
  synchronized boolean available(K key) {
    long now = clock.millis();
    return Math.max(tat.getOrDefault(key, now), now) + intervalMillis - now <= burstMillis;
  }

  /** Counts an event for {@code key} if it is allowed now; returns whether it was. */
  synchronized boolean tryAcquire(K key) {
    if (!available(key)) {
      return false;
    }
    acquire(key);
    return true;
  }

  /** Counts an event for {@code key} whether or not it is allowed. */
  synchronized void acquire(K key) {
    long now = clock.millis();
    tat.put(key, Math.max(tat.getOrDefault(key, now), now) + intervalMillis);
  }

  /** Milliseconds until an event for {@code key} is allowed (0: now). */
  synchronized long millisUntilAvailable(K key) {
    long now = clock.millis();
    return Math.max(
        0, Math.max(tat.getOrDefault(key, now), now) + intervalMillis - burstMillis - now);
  }
}
