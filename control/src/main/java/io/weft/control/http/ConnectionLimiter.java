package io.weft.control.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts open connections in all and per source address; refuses those over either cap. */
final class ConnectionLimiter {
  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();

  ConnectionLimiter(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /** Takes a slot for a connection from {@code address}; false (and counted) if a cap is reached. */
  boolean tryAcquire(InetAddress address) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      refused.incrementAndGet();
      return false;
    }
    boolean[] ok = {true};
    perAddress.compute(
        address,
        (a, n) -> {
          int now = n == null ? 0 : n;
          if (now >= maxPerAddress) {
            ok[0] = false;
            return n;
          }
          return now + 1;
        });
    if (!ok[0]) {
      total.decrementAndGet();
      refused.incrementAndGet();
    }
    return ok[0];
  }

  /** Gives back the slot of a connection from {@code address}. */
  void release(InetAddress address) {
    perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    total.decrementAndGet();
  }

  int open() {
    return total.get();
  }

  long refused() {
    return refused.get();
  }
}
