package io.weft.wg.testing;

import io.weft.testing.NativeThreads;
import io.weft.wg.tun.Tun;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One {@code read} on its own platform thread, whose outcome the test then waits for. */
public final class BlockingReader implements AutoCloseable {
  private final CompletableFuture<Integer> outcome = new CompletableFuture<>();
  private final Thread thread;
  private volatile int tid;

  /** Starts reading {@code tun} into {@code count} buffers; returns once the thread is running. */
  public BlockingReader(Tun tun, int count, int offset) throws InterruptedException {
    final CountDownLatch started = new CountDownLatch(1);
    final ByteBuffer[] bufs = new ByteBuffer[count];
    for (int i = 0; i < count; i++) {
      bufs[i] = ByteBuffer.allocateDirect(offset + 2048);
    }
    final int[] sizes = new int[count];
    thread =
        Thread.ofPlatform()
            .name("tun-reader")
            .daemon()
            .start(
                () -> {
                  tid = NativeThreads.gettid();
                  started.countDown();
                  try {
                    outcome.complete(tun.read(bufs, sizes, offset));
                  } catch (Throwable t) {
                    outcome.completeExceptionally(t);
                  }
                });
    started.await();
  }

  /** The reading thread. */
  public Thread thread() {
    return thread;
  }

  /** The reader's kernel thread id. */
  public int tid() {
    return tid;
  }

  /** What {@code read} returned, waiting up to {@code timeout}; fails if it threw or hangs. */
  public int result(Duration timeout) throws InterruptedException {
    try {
      return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("read failed instead of returning", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("read still blocked after " + timeout);
    }
  }

  /** What {@code read} threw, waiting up to {@code timeout}; fails if it returned or hangs. */
  public Throwable failure(Duration timeout) throws InterruptedException {
    try {
      final int n = outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("read returned " + n + " instead of failing");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("read still blocked after " + timeout);
    }
  }

  @Override
  public void close() throws InterruptedException {
    thread.join(TimeUnit.SECONDS.toMillis(5));
  }
}
