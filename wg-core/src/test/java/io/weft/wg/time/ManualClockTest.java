package io.weft.wg.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualClockTest {

  @Test
  void shouldStartAtItsDocumentedReadings() {
    final ManualClock clock = new ManualClock();
    assertThat(clock.nanoTime()).isEqualTo(ManualClock.DEFAULT_START_NANO_TIME).isNotZero();
    assertThat(Instant.ofEpochSecond(0, clock.epochNanos()))
        .isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
  }

  @Test
  void shouldStandStillUntilAdvanced() {
    final ManualClock clock = new ManualClock(5, 7);
    assertThat(clock.nanoTime()).isEqualTo(5);
    assertThat(clock.nanoTime()).isEqualTo(5);
    assertThat(clock.epochNanos()).isEqualTo(7);
  }

  @Test
  void shouldAdvanceBothClocksTogether() {
    final ManualClock clock = new ManualClock(0, 1_000);
    clock.advance(Duration.ofMillis(3));
    clock.advanceNanos(2);
    assertThat(clock.nanoTime()).isEqualTo(3_000_002);
    assertThat(clock.epochNanos()).isEqualTo(3_001_002);
  }

  @Test
  void shouldStepTheWallClockAloneInEitherDirection() {
    final ManualClock clock = new ManualClock(100, 1_000_000);
    clock.setEpochNanos(10);
    assertThat(clock.epochNanos()).isEqualTo(10);
    assertThat(clock.nanoTime()).as("monotonic time does not move").isEqualTo(100);
    clock.advanceNanos(5);
    assertThat(clock.epochNanos()).isEqualTo(15);
  }

  @Test
  void shouldRefuseToGoBack() {
    final ManualClock clock = new ManualClock();
    assertThatThrownBy(() -> clock.advanceNanos(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> clock.advance(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldNotLoseAdvancesFromConcurrentThreads() throws Exception {
    final ManualClock clock = new ManualClock(0, 0);
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      final List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 10_000; i++) {
                    clock.advanceNanos(1);
                  }
                }));
      }
      for (final Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(clock.nanoTime()).isEqualTo(40_000);
    assertThat(clock.epochNanos()).isEqualTo(40_000);
  }

  @Test
  void shouldReadTheSystemClocks() {
    final long before = System.nanoTime();
    final long monotonic = NanoClock.SYSTEM.nanoTime();
    assertThat(monotonic - before).isNotNegative();
    final long wall = NanoClock.SYSTEM.epochNanos();
    final long millis = System.currentTimeMillis();
    assertThat(Math.abs(wall / 1_000_000 - millis)).isLessThan(60_000);
  }
}
