package io.weft.wg.nativeio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CloseGateTest {
  private final CloseGate gate = new CloseGate();

  @Test
  void shouldLetTheCloserReleaseWhenNoCallIsInside() {
    assertThat(gate.closeAndEnter()).isTrue();
    assertThat(gate.exit()).isTrue();
    assertThat(gate.isClosed()).isTrue();
  }

  @Test
  void shouldLeaveReleaseToTheLastCallInside() throws ClosedChannelException {
    gate.enter();
    gate.enter();

    assertThat(gate.closeAndEnter()).isTrue();
    assertThat(gate.exit()).as("closer leaves first").isFalse();
    assertThat(gate.exit()).isFalse();
    assertThat(gate.exit()).as("last call out").isTrue();
  }

  @Test
  void shouldRefuseCallsOnceClosed() {
    gate.closeAndEnter();

    assertThatThrownBy(gate::enter).isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void shouldCloseOnlyOnce() {
    assertThat(gate.closeAndEnter()).isTrue();
    assertThat(gate.closeAndEnter()).isFalse();
    assertThat(gate.exit()).isTrue();
  }

  @Test
  void shouldReleaseExactlyOnceUnderConcurrentCallsAndClose() throws Exception {
    for (int round = 0; round < 200; round++) {
      final CloseGate g = new CloseGate();
      final AtomicInteger releases = new AtomicInteger();
      final Thread[] callers = new Thread[2];
      for (int t = 0; t < callers.length; t++) {
        callers[t] =
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (; ; ) {
                        try {
                          g.enter();
                        } catch (ClosedChannelException e) {
                          return;
                        }
                        if (g.exit()) {
                          releases.incrementAndGet();
                        }
                      }
                    });
      }
      if (g.closeAndEnter() && g.exit()) {
        releases.incrementAndGet();
      }
      for (Thread t : callers) {
        t.join();
      }
      assertThat(releases).hasValue(1);
    }
  }
}
