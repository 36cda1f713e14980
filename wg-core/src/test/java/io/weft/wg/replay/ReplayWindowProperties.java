package io.weft.wg.replay;

import static io.weft.wg.replay.ReplayWindow.WINDOW_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

class ReplayWindowProperties {

  /** Where a run's counters start: the beginning, the signed/unsigned edge, the limit. */
  private static final long[] BASES = {
    0, Long.MAX_VALUE - 10_000, ReplayWindowTest.REJECT_AFTER_MESSAGES - 20_000
  };

  /** A step: a counter offset from the run's base, or -1 for a reset. */
  @Provide
  Arbitrary<List<Long>> steps() {
    final Arbitrary<Long> near = Arbitraries.longs().between(0, 3 * WINDOW_SIZE);
    final Arbitrary<Long> tight = Arbitraries.longs().between(0, 300);
    final Arbitrary<Long> reset = Arbitraries.just(-1L);
    return Arbitraries.frequencyOf(
            Tuple.of(8, near), Tuple.of(8, tight), Tuple.of(1, reset))
        .list()
        .ofMaxSize(2_000);
  }

  @Property(tries = 300)
  void shouldAgreeWithASetOfSeenCounters(
      @ForAll("steps") final List<Long> steps,
      @ForAll @IntRange(min = 0, max = 2) final int baseIndex) {
    final long base = BASES[baseIndex];
    final ReplayWindow window = new ReplayWindow();
    final NaiveWindow reference = new NaiveWindow();
    for (final long step : steps) {
      if (step < 0) {
        window.reset();
        reference.reset();
        continue;
      }
      final long counter = base + step;
      assertThat(window.validateCounter(counter, ReplayWindowTest.REJECT_AFTER_MESSAGES))
          .as("counter %s", Long.toUnsignedString(counter))
          .isEqualTo(reference.validate(counter, ReplayWindowTest.REJECT_AFTER_MESSAGES));
    }
  }

  /** The specification, literally: every accepted counter kept, and the window measured. */
  private static final class NaiveWindow {
    private final Set<Long> seen = new HashSet<>();
    private long highest;

    boolean validate(final long counter, final long limit) {
      if (Long.compareUnsigned(counter, limit) >= 0) {
        return false;
      }
      if (Long.compareUnsigned(counter, highest) > 0) {
        highest = counter;
        return seen.add(counter);
      }
      if (Long.compareUnsigned(highest - counter, WINDOW_SIZE) > 0) {
        return false;
      }
      return seen.add(counter);
    }

    void reset() {
      seen.clear();
      highest = 0;
    }
  }
}
