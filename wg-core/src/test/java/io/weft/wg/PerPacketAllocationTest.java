package io.weft.wg;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.wg.allowedips.AllowedIps;
import io.weft.wg.allowedips.Prefix;
import io.weft.wg.ratelimit.HandshakeRateLimiter;
import io.weft.wg.replay.ReplayWindow;
import io.weft.wg.tai64n.Tai64n;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Guards the per-packet operations of the small mechanisms against allocating: each runs a hundred
 * thousand times after warming up, and the thread's allocation counter must not move by more than
 * the measurement itself costs.
 */
class PerPacketAllocationTest {

  private static final int CALLS = 100_000;

  /** Bytes the measuring itself may allocate; far less than one object per call. */
  private static final long SLACK_BYTES = 4_096;

  private static com.sun.management.ThreadMXBean threads;

  @BeforeAll
  static void allocationCounter() {
    threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    threads.setThreadAllocatedMemoryEnabled(true);
  }

  private static long allocatedBy(final Runnable calls) {
    calls.run(); // warm up
    calls.run();
    final long id = Thread.currentThread().threadId();
    final long before = threads.getThreadAllocatedBytes(id);
    calls.run();
    return threads.getThreadAllocatedBytes(id) - before;
  }

  @Test
  void shouldLookUpRoutesWithoutAllocating() {
    final AllowedIps<String> table = new AllowedIps<>();
    for (final String p :
        new String[] {
          "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/24", "fd00::/8", "fd00:1::/64", "::/0"
        }) {
      final Prefix prefix = Prefix.parse(p);
      table.insert(prefix.address(), prefix.bits(), p);
    }
    final byte[] packet = new byte[64];
    packet[16] = 10;
    packet[17] = 1;
    packet[24] = (byte) 0xfd;
    final long[] found = new long[1];
    final long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                packet[19] = (byte) i;
                found[0] += table.lookup(packet, 16, 4) != null ? 1 : 0;
                found[0] += table.lookup(packet, 24, 16) != null ? 1 : 0;
              }
            });
    assertThat(found[0]).isPositive();
    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void shouldValidateCountersWithoutAllocating() {
    final ReplayWindow window = new ReplayWindow();
    final long[] counter = new long[1];
    final long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                window.validateCounter(counter[0] += (i % 3 == 0 ? 70 : -1), -8193L);
              }
            });
    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void shouldRateLimitKnownSourcesWithoutAllocating() {
    final HandshakeRateLimiter limiter = new HandshakeRateLimiter(1_024);
    final byte[] sources = new byte[16 * 64];
    for (int s = 0; s < 64; s++) {
      sources[s * 16] = 0x20;
      sources[s * 16 + 7] = (byte) s;
    }
    final long[] now = new long[1];
    final long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                limiter.allow(sources, (i & 63) * 16, 16, now[0] += 1_000);
                limiter.allow(sources, (i & 63) * 16, 4, now[0]);
              }
              limiter.sweep(now[0]);
            });
    assertThat(bytes).isLessThan(SLACK_BYTES);
  }

  @Test
  void shouldStampAndCompareTimestampsWithoutAllocating() {
    final byte[] a = new byte[Tai64n.LENGTH];
    final byte[] b = new byte[Tai64n.LENGTH];
    final long[] newer = new long[1];
    final long bytes =
        allocatedBy(
            () -> {
              for (int i = 0; i < CALLS; i++) {
                Tai64n.write(1_700_000_000_000_000_000L + i * 20_000_000L, (i & 1) == 0 ? a : b, 0);
                newer[0] += Tai64n.isAfter(a, 0, b, 0) ? 1 : 0;
              }
            });
    assertThat(newer[0]).isPositive();
    assertThat(bytes).isLessThan(SLACK_BYTES);
  }
}
