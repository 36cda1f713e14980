package io.weft.wg.ratelimit;

import static io.weft.wg.ratelimit.HandshakeRateLimiter.GC_AFTER_NANOS;
import static io.weft.wg.ratelimit.HandshakeRateLimiter.MAX_TOKENS;
import static io.weft.wg.ratelimit.HandshakeRateLimiter.PACKET_COST;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HandshakeRateLimiterProperties {

  /** One call: a packet from source {@code source} after {@code waitMillis}, or a sweep. */
  record Step(int source, int waitMillis, boolean sweep) {}

  static Gen<List<Step>> steps() {
    final Gen<Integer> sources = Gens.ints(0, 95);
    final Gen<Integer> waits = Gens.ints(0, 40); // 0 is among its edge cases
    final Gen<Boolean> sweeps = Gens.ints(0, 30).map(n -> n == 0);
    final Gen<Step> step =
        src -> new Step(sources.generate(src), waits.generate(src), sweeps.generate(src));
    return step.list(1, 1_500);
  }

  /**
   * On random traffic from up to 96 sources (IPv4 and IPv6) through a small table, the limiter
   * answers as a map of buckets with the documented rules would, and tracks as many sources.
   */
  @Test
  void shouldAgreeWithAMapOfBuckets() {
    Property.forAll(steps(), Gens.ints(1, 64))
        .tries(200)
        .check(HandshakeRateLimiterProperties::agreesWithAMapOfBuckets);
  }

  private static void agreesWithAMapOfBuckets(final List<Step> steps, final int max) {
    final HandshakeRateLimiter limiter = new HandshakeRateLimiter(max);
    final ReferenceLimiter reference = new ReferenceLimiter(max);
    long now = 123_456_789L;
    for (final Step step : steps) {
      now += step.waitMillis() * 1_000_000L;
      if (step.sweep()) {
        limiter.sweep(now);
        reference.sweep(now);
      } else {
        final byte[] address = address(step.source());
        assertThat(limiter.allow(address, 0, address.length, now))
            .as("source %d at %d", step.source(), now)
            .isEqualTo(reference.allow(step.source(), now));
      }
      assertThat(limiter.size()).isEqualTo(reference.size());
    }
  }

  // Sources 0-47 are IPv4 hosts; 48-95 are IPv6 hosts in 24 /64s, two hosts each.
  private static byte[] address(final int source) {
    if (source < 48) {
      return new byte[] {10, 1, 0, (byte) source};
    }
    final byte[] v6 = new byte[16];
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[7] = (byte) ((source - 48) / 2);
    v6[15] = (byte) source;
    return v6;
  }

  private static int bucketOf(final int source) {
    return source < 48 ? source : 1_000 + (source - 48) / 2;
  }

  /** The rules of the package documentation, in a hash map. */
  private static final class ReferenceLimiter {
    private final int max;
    private final Map<Integer, long[]> buckets = new HashMap<>(); // {tokens, lastNanos}
    private Long lastSweep;

    ReferenceLimiter(final int max) {
      this.max = max;
    }

    boolean allow(final int source, final long now) {
      final int key = bucketOf(source);
      final long[] bucket = buckets.get(key);
      if (bucket != null) {
        if (now > bucket[1]) {
          bucket[0] = Math.min(MAX_TOKENS, bucket[0] + (now - bucket[1]));
          bucket[1] = now;
        }
        if (bucket[0] >= PACKET_COST) {
          bucket[0] -= PACKET_COST;
          return true;
        }
        return false;
      }
      if (buckets.size() >= max) {
        if (lastSweep != null && now - lastSweep < GC_AFTER_NANOS) {
          return false;
        }
        sweep(now);
        if (buckets.size() >= max) {
          return false;
        }
      }
      buckets.put(key, new long[] {MAX_TOKENS - PACKET_COST, now});
      return true;
    }

    void sweep(final long now) {
      lastSweep = now;
      buckets.values().removeIf(bucket -> now - bucket[1] > GC_AFTER_NANOS);
    }

    int size() {
      return buckets.size();
    }
  }
}
