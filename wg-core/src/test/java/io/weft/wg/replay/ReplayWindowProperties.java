package io.weft.wg.replay;

import static io.weft.testing.property.Gens.weight;
import static io.weft.wg.replay.ReplayWindow.WINDOW_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayWindowProperties {

  /** Where a run's counters start: the beginning, the signed/unsigned edge, the limit. */
  private static final long[] BASES = {
    0, Long.MAX_VALUE - 10_000, ReplayWindowTest.REJECT_AFTER_MESSAGES - 20_000
  };

  /** A step: a counter offset from the run's base, or -1 for a reset. */
  static Gen<List<Long>> steps() {
    final Gen<Long> near = Gens.longs(0, 3 * WINDOW_SIZE);
    final Gen<Long> tight = Gens.longs(0, 300);
    final Gen<Long> reset = Gens.constant(-1L);
    return Gens.<Long>frequency(weight(8, near), weight(8, tight), weight(1, reset)).list(2_000);
  }

  @Test
  void shouldAgreeWithASetOfSeenCounters() {
    Property.forAll(steps(), Gens.ints(0, 2))
        .tries(300)
        .check(ReplayWindowProperties::agreesWithASetOfSeenCounters);
  }

  private static void agreesWithASetOfSeenCounters(final List<Long> steps, final int baseIndex) {
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
