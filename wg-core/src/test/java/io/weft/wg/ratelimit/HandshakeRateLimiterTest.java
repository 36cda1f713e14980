package io.weft.wg.ratelimit;

import static io.weft.wg.ratelimit.HandshakeRateLimiter.GC_AFTER_NANOS;
import static io.weft.wg.ratelimit.HandshakeRateLimiter.PACKETS_BURSTABLE;
import static io.weft.wg.ratelimit.HandshakeRateLimiter.PACKET_COST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.time.ManualClock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HandshakeRateLimiterTest {

  private final ManualClock clock = new ManualClock();
  private final HandshakeRateLimiter limiter = new HandshakeRateLimiter();

  static byte[] ip(final String literal) {
    try {
      return InetAddress.getByName(literal).getAddress(); // literals only: no name lookup
    } catch (final UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  private boolean allow(final String source) {
    final byte[] address = ip(source);
    return limiter.allow(address, 0, address.length, clock.nanoTime());
  }

  private boolean allow16(final String source) {
    final byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    System.arraycopy(ip(source), 0, mapped, 12, 4);
    return limiter.allow(mapped, 0, 16, clock.nanoTime());
  }

  private int allowedOf(final String source, final int attempts) {
    int allowed = 0;
    for (int i = 0; i < attempts; i++) {
      allowed += allow(source) ? 1 : 0;
    }
    return allowed;
  }

  @Nested
  class SourcesWithoutAnAddress {
    @Test
    void shouldLimitEachIdentityByItsOwnBucket() {
      final byte[] relayed = "relay/peer-one".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      final byte[] other = "relay/peer-two".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (int i = 0; i < PACKETS_BURSTABLE; i++) {
        assertThat(limiter.allowIdentity(relayed, clock.nanoTime()))
            .as("packet %d", i + 1)
            .isTrue();
      }
      assertThat(limiter.allowIdentity(relayed, clock.nanoTime())).isFalse();
      assertThat(limiter.allowIdentity(relayed.clone(), clock.nanoTime()))
          .as("the bucket follows the bytes, not the array")
          .isFalse();
      assertThat(limiter.allowIdentity(other, clock.nanoTime())).isTrue();
      assertThat(limiter.size()).isEqualTo(2);
      clock.advanceNanos(PACKET_COST);
      assertThat(limiter.allowIdentity(relayed, clock.nanoTime())).isTrue();
    }
  }

  @Nested
  class TokenBucket {

    @Test
    void shouldAllowABurstOfFiveThenRefuse() {
      for (int i = 0; i < PACKETS_BURSTABLE; i++) {
        assertThat(allow("192.0.2.1")).as("packet %d of the burst", i + 1).isTrue();
      }
      assertThat(allow("192.0.2.1")).isFalse();
    }

    @Test
    void shouldRefillOnePacketEveryFiftyMilliseconds() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE);

      clock.advanceNanos(PACKET_COST - 1);
      assertThat(allow("192.0.2.1")).as("one nanosecond short").isFalse();
      clock.advanceNanos(1);
      assertThat(allow("192.0.2.1")).isTrue();
      assertThat(allow("192.0.2.1")).isFalse();
    }

    @Test
    void shouldSustainTwentyPacketsASecond() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE);
      int allowed = 0;
      for (int ms = 0; ms < 10_000; ms++) {
        clock.advance(Duration.ofMillis(1));
        allowed += allow("192.0.2.1") ? 1 : 0;
      }
      assertThat(allowed).isEqualTo(200);
    }

    @Test
    void shouldNotSaveUpMoreThanTheBurst() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE);
      clock.advance(Duration.ofSeconds(30));
      assertThat(allowedOf("192.0.2.1", 50)).isEqualTo(PACKETS_BURSTABLE);
    }

    @Test
    void shouldNotRefillWhenTimeAppearsToGoBack() {
      final byte[] source = ip("192.0.2.1");
      final long now = clock.nanoTime();
      for (int i = 0; i < PACKETS_BURSTABLE; i++) {
        limiter.allow(source, 0, 4, now);
      }
      // A thread that read the clock a second earlier reaches the lock late.
      assertThat(limiter.allow(source, 0, 4, now - 1_000_000_000L)).isFalse();
      assertThat(limiter.allow(source, 0, 4, now + PACKET_COST)).isTrue();
      assertThat(limiter.allow(source, 0, 4, now + PACKET_COST)).isFalse();
    }

    /** The schedule of wireguard-go's ratelimiter test, for each of its addresses at once. */
    @Test
    void shouldFollowTheReferenceSchedule() {
      final List<String> sources =
          List.of(
              "127.0.0.1",
              "192.168.1.1",
              "172.167.2.3",
              "97.231.252.215",
              "248.97.91.167",
              "188.208.233.47",
              "104.2.183.179",
              "72.129.46.120",
              "2001:0db8:0a0b:12f0:0000:0000:0000:0001",
              "f5c2:818f:c052:655a:9860:b136:6894:25f0",
              "b2d7:15ab:48a7:b07c:a541:f144:a9fe:54fc",
              "a47b:786e:1671:a22b:d6f9:4ab0:abc7:c918",
              "ea1e:d155:7f7a:98fb:2bf5:9483:80f6:5445",
              "3f0e:54a2:f5b4:cd19:a21d:58e1:3746:84c4");
      record Step(String what, long waitNanos, boolean allowed) {}
      final List<Step> schedule =
          List.of(
              new Step("initial burst 1", 0, true),
              new Step("initial burst 2", 0, true),
              new Step("initial burst 3", 0, true),
              new Step("initial burst 4", 0, true),
              new Step("initial burst 5", 0, true),
              new Step("after burst", 0, false),
              new Step("refilled one packet", PACKET_COST, true),
              new Step("not refilled enough", 0, false),
              new Step("refilled two packets", 2 * PACKET_COST, true),
              new Step("second of two", 0, true),
              new Step("after two", 0, false));
      for (final Step step : schedule) {
        clock.advanceNanos(step.waitNanos());
        for (final String source : sources) {
          assertThat(allow(source)).as("%s: %s", step.what(), source).isEqualTo(step.allowed());
        }
      }
    }
  }

  @Nested
  class Keying {

    @Test
    void shouldKeepABucketPerIpv4Address() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE + 1);
      assertThat(allow("192.0.2.2")).isTrue();
      assertThat(allow("192.0.2.1")).isFalse();
    }

    @Test
    void shouldShareABucketAcrossAnIpv6Slash64() {
      assertThat(allowedOf("2001:db8:a:b::1", 3)).isEqualTo(3);
      assertThat(allowedOf("2001:db8:a:b:ffff:ffff:ffff:ffff", 3)).isEqualTo(2);
      assertThat(allow("2001:db8:a:b:1234::")).isFalse();
    }

    @Test
    void shouldKeepSeparateBucketsForNeighbouringIpv6Slash64s() {
      allowedOf("2001:db8:a:b::1", PACKETS_BURSTABLE + 1);
      assertThat(allow("2001:db8:a:c::1")).isTrue();
      assertThat(allow("2001:db8:a:a::1")).isTrue();
    }

    @Test
    void shouldKeyIpv4MappedIpv6AddressesAsTheirIpv4Address() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE);
      assertThat(allow16("192.0.2.1")).as("::ffff:192.0.2.1 is the same source").isFalse();
      assertThat(allow16("192.0.2.2")).as("and not all of ::ffff:0:0/96").isTrue();
    }

    @Test
    void shouldNotConfuseAnIpv4AddressWithAnIpv6PrefixOfEqualValue() {
      allowedOf("0.0.0.1", PACKETS_BURSTABLE + 1);
      assertThat(allow("0:0:0:1::")).isTrue();
    }

    @Test
    void shouldReadTheAddressAtAnOffset() {
      final byte[] packet = new byte[40];
      System.arraycopy(ip("2001:db8::7"), 0, packet, 8, 16);
      for (int i = 0; i < PACKETS_BURSTABLE; i++) {
        assertThat(limiter.allow(packet, 8, 16, clock.nanoTime())).isTrue();
      }
      assertThat(allow("2001:db8::8")).as("same /64").isFalse();
    }

    @Test
    void shouldRejectAnAddressThatIsNeitherFourNorSixteenBytes() {
      assertThatThrownBy(() -> limiter.allow(new byte[8], 0, 8, 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("4 or 16");
    }
  }

  @Nested
  class GarbageCollection {

    @Test
    void shouldForgetASourceIdleForMoreThanASecond() {
      allowedOf("192.0.2.1", PACKETS_BURSTABLE);
      allowedOf("2001:db8::1", PACKETS_BURSTABLE);
      assertThat(limiter.size()).isEqualTo(2);

      limiter.sweep(clock.nanoTime() + GC_AFTER_NANOS);
      assertThat(limiter.size()).as("idle exactly one second").isEqualTo(2);

      limiter.sweep(clock.nanoTime() + GC_AFTER_NANOS + 1);
      assertThat(limiter.size()).isZero();
    }

    @Test
    void shouldKeepASourceThatKeepsSendingWithItsBucket() {
      allow("192.0.2.2");
      clock.advance(Duration.ofMillis(950));
      assertThat(allowedOf("192.0.2.1", 10)).isEqualTo(5);
      clock.advance(Duration.ofMillis(51));

      limiter.sweep(clock.nanoTime());

      assertThat(limiter.size()).as("192.0.2.2 was idle 1.001 s").isEqualTo(1);
      assertThat(allowedOf("192.0.2.1", 10)).as("51 ms of refill, not a new bucket").isEqualTo(1);
    }

    @Test
    void shouldFindEverySurvivorAfterSweepingACrowdedTable() {
      final HandshakeRateLimiter small = new HandshakeRateLimiter(512);
      final long t0 = clock.nanoTime();
      for (int i = 0; i < 512; i++) {
        final byte[] source = {10, 0, (byte) (i >> 8), (byte) i};
        // Odd sources are a second fresher than even ones.
        final long at = (i % 2 == 0) ? t0 : t0 + GC_AFTER_NANOS;
        assertThat(small.allow(source, 0, 4, at)).isTrue();
      }
      small.sweep(t0 + GC_AFTER_NANOS + 1);
      assertThat(small.size()).isEqualTo(256);
      final long later = t0 + GC_AFTER_NANOS + 1;
      for (int i = 1; i < 512; i += 2) {
        final byte[] source = {10, 0, (byte) (i >> 8), (byte) i};
        for (int p = 0; p < PACKETS_BURSTABLE - 1; p++) {
          assertThat(small.allow(source, 0, 4, later)).isTrue();
        }
        assertThat(small.allow(source, 0, 4, later)).as("source %d kept its bucket", i).isFalse();
      }
      assertThat(small.size()).isEqualTo(256);
    }
  }

  @Nested
  class BoundedSize {

    private final HandshakeRateLimiter bounded = new HandshakeRateLimiter(2);

    private boolean allowBounded(final String source) {
      return bounded.allow(ip(source), 0, 4, clock.nanoTime());
    }

    @Test
    void shouldRefuseNewSourcesWhileFull() {
      assertThat(allowBounded("192.0.2.1")).isTrue();
      assertThat(allowBounded("192.0.2.2")).isTrue();
      assertThat(allowBounded("192.0.2.3")).isFalse();
      assertThat(bounded.size()).isEqualTo(2);
      assertThat(allowBounded("192.0.2.1")).as("known sources are still served").isTrue();
    }

    @Test
    void shouldMakeRoomOnceOldSourcesHaveGoneIdle() {
      allowBounded("192.0.2.1");
      allowBounded("192.0.2.2");
      assertThat(allowBounded("192.0.2.3")).as("full; the sweep it tried found nothing").isFalse();

      clock.advance(Duration.ofMillis(1_500));
      assertThat(allowBounded("192.0.2.3")).isTrue();
      assertThat(bounded.size()).isEqualTo(1);
    }

    @Test
    void shouldSweepAtMostOnceASecondWhenFull() {
      allowBounded("192.0.2.1");
      clock.advance(Duration.ofMillis(600));
      allowBounded("192.0.2.2");
      assertThat(allowBounded("192.0.2.3")).isFalse();

      clock.advance(Duration.ofMillis(600));
      // 192.0.2.1 has been idle 1.2 s, but the last sweep was only 0.6 s ago.
      assertThat(allowBounded("192.0.2.4")).isFalse();
      clock.advance(Duration.ofMillis(400));
      assertThat(allowBounded("192.0.2.4")).isTrue();
    }

    @Test
    void shouldRejectANonPositiveBound() {
      assertThatThrownBy(() -> new HandshakeRateLimiter(0))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void shouldGrantExactlyTheBurstToOneSourceAcrossThreads() throws Exception {
    final int threads = 8;
    final byte[] source = ip("198.51.100.7");
    final long now = clock.nanoTime();
    final CountDownLatch start = new CountDownLatch(1);
    final ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      final List<Future<Integer>> results =
          IntStream.range(0, threads)
              .mapToObj(
                  t ->
                      pool.submit(
                          () -> {
                            start.await();
                            int allowed = 0;
                            for (int i = 0; i < 1_000; i++) {
                              allowed += limiter.allow(source, 0, 4, now) ? 1 : 0;
                            }
                            return allowed;
                          }))
              .toList();
      start.countDown();
      int total = 0;
      for (final Future<Integer> result : results) {
        total += result.get(30, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(PACKETS_BURSTABLE);
    } finally {
      pool.shutdownNow();
    }
  }
}
