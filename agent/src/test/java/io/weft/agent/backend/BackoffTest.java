package io.weft.agent.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  final Backoff backoff =
      new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5), new SplittableRandom(7));

  @Test
  void shouldDoubleFromTheInitialDelayWithAtMostHalfOfItJittered() {
    for (int attempt = 0; attempt < 5; attempt++) {
      long cap = 100L << attempt;
      for (int i = 0; i < 200; i++) {
        assertThat(backoff.delay(attempt).toMillis()).isBetween(cap / 2, cap);
      }
    }
  }

  @Test
  void shouldNeverWaitLongerThanTheMaximumHoweverManyAttempts() {
    for (int attempt : new int[] {6, 10, 31, 64, 1000, Integer.MAX_VALUE}) {
      Duration d = backoff.delay(attempt);
      assertThat(d)
          .isLessThanOrEqualTo(Duration.ofSeconds(5))
          .isGreaterThanOrEqualTo(Duration.ofMillis(2500));
    }
  }

  @Test
  void shouldSpreadRetriesOfManyNodes() {
    long distinct =
        java.util.stream.IntStream.range(0, 100)
            .mapToLong(i -> backoff.delay(3).toNanos())
            .distinct()
            .count();
    assertThat(distinct).isGreaterThan(90);
  }

  @Test
  void shouldRejectAMaximumBelowTheInitialDelay() {
    assertThatThrownBy(
            () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
