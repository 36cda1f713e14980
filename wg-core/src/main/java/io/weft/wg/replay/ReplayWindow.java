package io.weft.wg.replay;

import java.util.Arrays;

/**
 * An RFC 6479 sliding window over the 64-bit counters of one receiving key: it accepts each counter
 * at most once, and none that has fallen more than {@link #WINDOW_SIZE} behind the highest accepted
 * so far.
 *
 * <p>Counters are unsigned 64-bit values carried in a {@code long}: a counter of {@code -1} is
 * 2<sup>64</sup>&nbsp;&minus;&nbsp;1. Not thread-safe: the receive path validates the counters of
 * one keypair from a single thread, after decryption has authenticated them. Allocates nothing.
 */
public final class ReplayWindow {

  private static final int BLOCK_BITS_LOG = 6;
  private static final int BLOCK_BITS = 1 << BLOCK_BITS_LOG;
  private static final int RING_BLOCKS = 128;
  private static final int RING_MASK = RING_BLOCKS - 1;
  private static final long BIT_MASK = BLOCK_BITS - 1;

  /**
   * How far behind the highest accepted counter a counter may be and still be accepted: 8,128. One
   * block of the ring is kept as slack, so the block being filled never overlaps the oldest.
   */
  public static final long WINDOW_SIZE = (long) (RING_BLOCKS - 1) * BLOCK_BITS;

  private final long[] ring = new long[RING_BLOCKS];
  private long last;

  /** An empty window, as after {@link #reset()}. */
  public ReplayWindow() {}

  /**
   * Accepts {@code counter} if it is below {@code limit}, not too old and not seen before, and
   * marks it seen.
   *
   * @param counter the counter from a transport data message whose authentication tag verified
   * @param limit counters from here on are rejected (REJECT_AFTER_MESSAGES); both unsigned
   * @return {@code true} if the packet is fresh, {@code false} if it is a replay, too old, or
   *     beyond the limit (then nothing changes)
   */
  public boolean validateCounter(final long counter, final long limit) {
    if (Long.compareUnsigned(counter, limit) >= 0) {
      return false;
    }
    final long block = counter >>> BLOCK_BITS_LOG;
    if (Long.compareUnsigned(counter, last) > 0) {
      advanceTo(block);
      last = counter;
    } else if (Long.compareUnsigned(last - counter, WINDOW_SIZE) > 0) {
      return false;
    }
    final int index = (int) (block & RING_MASK);
    final long bit = 1L << (counter & BIT_MASK);
    final long old = ring[index];
    ring[index] = old | bit;
    return (old & bit) == 0;
  }

  /** Forgets every counter, as for a fresh keypair. */
  public void reset() {
    last = 0;
    Arrays.fill(ring, 0L);
  }

  // Zeroes the blocks between the current highest block (exclusive) and the new one (inclusive);
  // a jump of a whole ring or more clears everything.
  private void advanceTo(final long block) {
    final long current = last >>> BLOCK_BITS_LOG;
    final long distance = block - current;
    final long clear = Long.compareUnsigned(distance, RING_BLOCKS) > 0 ? RING_BLOCKS : distance;
    for (long i = 1; i <= clear; i++) {
      ring[(int) ((current + i) & RING_MASK)] = 0L;
    }
  }

  @Override
  public String toString() {
    return "ReplayWindow[highest=" + Long.toUnsignedString(last) + "]";
  }
}
