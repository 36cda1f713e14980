package io.weft.agent.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.control.protocol.Message;
import io.weft.control.protocol.NetMap;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The netmap bus: snapshots, current map on subscribe, order, and a publisher that never waits. */
class NetMapBusTest {
  static final Duration WAIT = Duration.ofSeconds(10);

  final NetMapBus bus = new NetMapBus("test");

  @AfterEach
  void close() {
    bus.close();
  }

  static NetMap version(long v) {
    NetMap m = new NetMap();
    m.apply(new Message.FullMap(v, "e", v, "d", null, List.of()));
    return m;
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
      Thread.onSpinWait();
      Thread.sleep(0, 100_000); // a poll interval, not synchronisation: the condition decides
    }
  }

  @Test
  void shouldHandANewSubscriberTheCurrentMapFirst() throws Exception {
    bus.publish(version(1));
    bus.publish(version(2));
    List<Long> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("late", m -> seen.add(m.version()));
    await("the current map", () -> !seen.isEmpty());
    assertThat(seen).containsExactly(2L);
    bus.publish(version(3));
    await("the next map", () -> seen.size() == 2);
    assertThat(seen).containsExactly(2L, 3L);
  }

  @Test
  void shouldNeverBlockThePublisherOnASlowSubscriber() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch stuck = new CountDownLatch(1);
    List<Long> slow = new CopyOnWriteArrayList<>();
    List<Long> fast = new CopyOnWriteArrayList<>();
    NetMapBus.Subscription s =
        bus.subscribe(
            "slow",
            m -> {
              slow.add(m.version());
              stuck.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    bus.subscribe("fast", m -> fast.add(m.version()));
    bus.publish(version(1));
    assertThat(stuck.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("the slow subscriber is inside map 1")
        .isTrue();
    long start = System.nanoTime();
    for (long v = 2; v <= 10_000; v++) {
      bus.publish(version(v));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("10,000 publications while a subscriber is stuck")
        .isLessThan(WAIT);
    await(
        "the fast subscriber reaches the newest map",
        () -> !fast.isEmpty() && fast.getLast() == 10_000L);
    assertThat(fast).isSorted();
    release.countDown();
    await("the slow subscriber skips to the newest map", () -> s.delivered() == 2);
    assertThat(slow).as("map 1, then only the newest").containsExactly(1L, 10_000L);
    assertThat(s.skipped()).isEqualTo(9_998);
  }

  @Test
  void shouldKeepDeliveringAfterASubscriberThrows() throws Exception {
    List<Long> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(
        "flaky",
        m -> {
          seen.add(m.version());
          if (m.version() == 1) {
            throw new IllegalStateException("boom");
          }
        });
    bus.publish(version(1));
    await("map 1", () -> seen.size() == 1);
    bus.publish(version(2));
    await("map 2 after the failure", () -> seen.size() == 2);
    assertThat(bus.current().version()).isEqualTo(2);
  }

  @Test
  void shouldStopDeliveringToAClosedSubscription() throws Exception {
    List<Long> seen = new CopyOnWriteArrayList<>();
    NetMapBus.Subscription s = bus.subscribe("short", m -> seen.add(m.version()));
    bus.publish(version(1));
    await("map 1", () -> s.delivered() == 1);
    s.close();
    bus.publish(version(2));
    List<Long> control = new CopyOnWriteArrayList<>();
    bus.subscribe("control", m -> control.add(m.version()));
    await("a later subscriber got map 2", () -> control.contains(2L));
    assertThat(seen).containsExactly(1L);
  }
}
