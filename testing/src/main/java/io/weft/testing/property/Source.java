package io.weft.testing.property;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Where generators take their choices from: each choice is an unsigned number below a bound, drawn
 * from a seeded random generator and recorded, or replayed from a recorded sequence. A case is its
 * choice sequence, so shrinking works on the sequence (shorter, smaller numbers) and every
 * generator built with {@link Gen#map} or {@link Gen#flatMap} shrinks with no code of its own.
 * Generators map choice 0 to their simplest value (0, false, the first alternative, the end of a
 * list).
 */
public final class Source {
  private final RandomGenerator random;
  private final long[] replay;
  private int position;
  private long[] recorded = new long[64];
  private int size;

  private Source(RandomGenerator random, long[] replay) {
    this.random = random;
    this.replay = replay;
  }

  static Source random(RandomGenerator random) {
    return new Source(random, null);
  }

  static Source replay(long[] choices) {
    return new Source(null, choices);
  }

  /** True while generating fresh cases, false while replaying a recorded (or shrunk) one. */
  public boolean generating() {
    return random != null;
  }

  RandomGenerator random() {
    return random;
  }

  /**
   * One choice in {@code [0, max]} (unsigned): {@code pick} chooses it when generating (it may
   * favour any values it likes, such as edge cases); a replay reads it from the sequence, clamped
   * to {@code max}, and 0 once the sequence is used up.
   */
  public long choose(long max, Picker pick) {
    final long v;
    if (random != null) {
      v = pick.pick(random);
      if (Long.compareUnsigned(v, max) > 0) {
        throw new IllegalStateException("picked " + Long.toUnsignedString(v) + " above " + max);
      }
    } else {
      final long r = position < replay.length ? replay[position++] : 0;
      v = Long.compareUnsigned(r, max) > 0 ? max : r;
    }
    if (size == recorded.length) {
      recorded = Arrays.copyOf(recorded, size * 2);
    }
    recorded[size++] = v;
    return v;
  }

  /** One choice in {@code [0, max]} (unsigned), uniform when generating. */
  public long choose(long max) {
    return choose(max, r -> uniform(r, max));
  }

  /** A uniform unsigned number in {@code [0, max]}. */
  public static long uniform(RandomGenerator r, long max) {
    if (max == -1L) {
      return r.nextLong();
    }
    if (max >= 0) {
      return max == Long.MAX_VALUE ? r.nextLong() >>> 1 : r.nextLong(max + 1);
    }
    while (true) {
      final long v = r.nextLong();
      if (Long.compareUnsigned(v, max) <= 0) {
        return v;
      }
    }
  }

  long[] choices() {
    return Arrays.copyOf(recorded, size);
  }

  /** Chooses a value when generating. */
  @FunctionalInterface
  public interface Picker {
    /** An unsigned number not above the bound passed to {@link Source#choose(long, Picker)}. */
    long pick(RandomGenerator random);
  }
}
