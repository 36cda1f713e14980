package io.weft.wg.replay;

import static io.weft.wg.replay.ReplayWindow.WINDOW_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {

  /** REJECT_AFTER_MESSAGES from the paper, 2^64 - 2^13 - 1, as an unsigned long. */
  static final long REJECT_AFTER_MESSAGES = -(1L << 13) - 1;

  /** One step past the window: the first counter that pushes counter 0 out. */
  private static final long T_LIM = WINDOW_SIZE + 1;

  private final ReplayWindow window = new ReplayWindow();

  private boolean accept(final long counter) {
    return window.validateCounter(counter, REJECT_AFTER_MESSAGES);
  }

  @Test
  void shouldHaveTheWindowOfWireguardGo() {
    assertThat(WINDOW_SIZE).isEqualTo(8_128);
  }

  @Test
  void shouldAcceptAFreshCounterOnce() {
    assertThat(accept(0)).isTrue();
    assertThat(accept(1)).isTrue();
  }

  @Test
  void shouldRejectReplayedCounter() {
    assertThat(accept(42)).isTrue();
    assertThat(accept(42)).isFalse();
  }

  @Test
  void shouldAcceptReorderedCountersInsideTheWindow() {
    assertThat(accept(100)).isTrue();
    assertThat(accept(98)).isTrue();
    assertThat(accept(99)).isTrue();
    assertThat(accept(97)).isTrue();
    assertThat(accept(98)).isFalse();
  }

  @Test
  void shouldAcceptCounterExactlyAtTheTrailingEdge() {
    assertThat(accept(20_000)).isTrue();
    assertThat(accept(20_000 - WINDOW_SIZE)).isTrue();
  }

  @Test
  void shouldRejectCounterBehindTheWindow() {
    assertThat(accept(20_000)).isTrue();
    assertThat(accept(20_000 - WINDOW_SIZE - 1)).isFalse();
  }

  @Test
  void shouldRejectCounterAtOrAboveLimitWithoutMovingTheWindow() {
    assertThat(window.validateCounter(10, 10)).isFalse();
    assertThat(window.validateCounter(11, 10)).isFalse();
    assertThat(window.validateCounter(0, 10)).isTrue();
    assertThat(window.validateCounter(9, 10)).isTrue();
  }

  @Test
  void shouldTreatCountersAsUnsigned() {
    assertThat(accept(Long.MAX_VALUE)).isTrue();
    assertThat(accept(Long.MIN_VALUE)).as("2^63 is above 2^63 - 1").isTrue();
    assertThat(accept(Long.MAX_VALUE)).isFalse();
    assertThat(accept(5)).as("far behind").isFalse();
  }

  @Test
  void shouldForgetEverythingOnReset() {
    assertThat(accept(50_000)).isTrue();
    window.reset();
    assertThat(accept(0)).isTrue();
    assertThat(accept(50_000)).isTrue();
  }

  @Test
  void shouldClearStaleBitsWhenJumpingAWholeRingAhead() {
    for (long c = 0; c < 200; c++) {
      assertThat(accept(c)).isTrue();
    }
    // 128 blocks * 64 = 8,192: the same ring slots as 0..199, now for new counters.
    for (long c = 8_192; c < 8_392; c++) {
      assertThat(accept(c)).as("counter %d", c).isTrue();
    }
  }

  /**
   * The sequence of wireguard-go's replay test (taken from the Linux self-test), step by step, with
   * the limit set to the paper's REJECT_AFTER_MESSAGES.
   */
  @Test
  void shouldFollowTheReferenceSequence() {
    final long lim = REJECT_AFTER_MESSAGES;
    final long[][] steps = {
      {0, 1},
      {1, 1},
      {1, 0},
      {9, 1},
      {8, 1},
      {7, 1},
      {7, 0},
      {T_LIM, 1},
      {T_LIM - 1, 1},
      {T_LIM - 1, 0},
      {T_LIM - 2, 1},
      {2, 1},
      {2, 0},
      {T_LIM + 16, 1},
      {3, 0},
      {T_LIM + 16, 0},
      {T_LIM * 4, 1},
      {T_LIM * 4 - (T_LIM - 1), 1},
      {10, 0},
      {T_LIM * 4 - T_LIM, 0},
      {T_LIM * 4 - (T_LIM + 1), 0},
      {T_LIM * 4 - (T_LIM - 2), 1},
      {T_LIM * 4 + 1 - T_LIM, 0},
      {0, 0},
      {lim, 0},
      {lim - 1, 1},
      {lim, 0},
      {lim - 1, 0},
      {lim - 2, 1},
      {lim + 1, 0},
      {lim + 2, 0},
      {lim - 2, 0},
      {lim - 3, 1},
      {0, 0},
    };
    for (int i = 0; i < steps.length; i++) {
      final long counter = steps[i][0];
      final boolean expected = steps[i][1] == 1;
      assertThat(accept(counter))
          .as("step %d: counter %s", i + 1, Long.toUnsignedString(counter))
          .isEqualTo(expected);
    }
  }

  /** The bulk cases of the reference test: whole windows in and out of order. */
  @Nested
  class FullWindow {

    @BeforeEach
    void freshWindow() {
      window.reset();
    }

    @Test
    void shouldStillAcceptZeroAfterAscendingWindowFromOne() {
      for (long c = 1; c <= WINDOW_SIZE; c++) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
      assertThat(accept(0)).isTrue();
      assertThat(accept(0)).isFalse();
    }

    @Test
    void shouldDropZeroOnceTheWindowStartsAtTwo() {
      for (long c = 2; c <= WINDOW_SIZE + 1; c++) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
      assertThat(accept(1)).isTrue();
      assertThat(accept(0)).isFalse();
    }

    @Test
    void shouldAcceptAWholeWindowDescending() {
      for (long c = WINDOW_SIZE + 1; c > 0; c--) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
    }

    @Test
    void shouldDropZeroAfterAWholeWindowDescendingFromTwo() {
      for (long c = WINDOW_SIZE + 2; c > 1; c--) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
      assertThat(accept(0)).isFalse();
    }

    @Test
    void shouldDropZeroWhenTheWindowMovesPastIt() {
      for (long c = WINDOW_SIZE; c > 0; c--) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
      assertThat(accept(WINDOW_SIZE + 1)).isTrue();
      assertThat(accept(0)).isFalse();
    }

    @Test
    void shouldAcceptZeroBeforeTheWindowMovesPastIt() {
      for (long c = WINDOW_SIZE; c > 0; c--) {
        assertThat(accept(c)).as("counter %d", c).isTrue();
      }
      assertThat(accept(0)).isTrue();
      assertThat(accept(WINDOW_SIZE + 1)).isTrue();
    }
  }
}
