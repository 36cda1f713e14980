package io.weft.control.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts open connections in all and per source address; refuses those over either cap. An IPv6
 * source counts by its /64, the smallest block one subscriber is usually given, so that one host
 * cannot take fresh addresses to escape the per-address cap.
 */
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

  /**
   * Takes a slot for a connection from {@code address}; false (and counted) if a cap is reached.
   */
  boolean tryAcquire(InetAddress from) {
    InetAddress address = bucket(from);
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
  void release(InetAddress from) {
    perAddress.computeIfPresent(bucket(from), (a, n) -> n <= 1 ? null : n - 1);
    total.decrementAndGet();
  }

  /** The address a connection from {@code a} counts against. */
  static InetAddress bucket(InetAddress a) {
    if (!(a instanceof Inet6Address)) {
      return a;
    }
    byte[] prefix = Arrays.copyOf(a.getAddress(), 16);
    Arrays.fill(prefix, 8, 16, (byte) 0);
    try {
      return InetAddress.getByAddress(prefix);
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes are an IPv6 address", e);
    }
  }

  int open() {
    return total.get();
  }

  long refused() {
    return refused.get();
  }
}
