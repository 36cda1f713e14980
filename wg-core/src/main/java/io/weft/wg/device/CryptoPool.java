package io.weft.wg.device;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the per-packet cryptography of one batch in parallel on worker threads plus the calling
 * thread, and returns when all of it is done; the caller then sends the batch in order, so each
 * peer's packets leave in the order they came (wireguard-go's parallel-encryption, ordered-send
 * design, per batch instead of per packet).
 *
 * <p>With zero workers everything runs on the caller: no handoff at all, which is fastest when
 * cores are few ({@code shared/PERFORMANCE.md}); {@link #defaultWorkers()} picks that on two cores
 * or fewer. Nothing is allocated per batch.
 */
final class CryptoPool implements AutoCloseable {
  /** The work of one batch item on one participant (0 = the caller, 1.. = workers). */
  interface Task {
    void run(int participant, int item);
  }

  private final Thread[] workers;

  /** The batch generation (high 32 bits) and the next unclaimed item (low 32 bits). */
  private final AtomicLong claim = new AtomicLong();

  private final AtomicInteger remaining = new AtomicInteger();
  private volatile Task task;
  private volatile int items;
  private volatile int generation;
  private volatile Thread caller;
  private volatile boolean closed;

  CryptoPool(String name, int workerCount) {
    workers = new Thread[workerCount];
    for (int i = 0; i < workerCount; i++) {
      final int participant = i + 1;
      workers[i] =
          Thread.ofPlatform()
              .daemon()
              .name(name + "-" + participant)
              .start(() -> workLoop(participant));
    }
  }

  /** Crypto workers to use by default: none on two cores or fewer, else one per extra core. */
  static int defaultWorkers() {
    int cores = Runtime.getRuntime().availableProcessors();
    return cores <= 2 ? 0 : cores - 2;
  }

  /** How many participants (the caller plus the workers) may run tasks. */
  int participants() {
    return workers.length + 1;
  }

  /** Runs {@code t} for items {@code 0..n-1}; returns when all are done. One caller at a time. */
  void forEach(int n, Task t) {
    if (workers.length == 0 || n <= 1) {
      for (int i = 0; i < n; i++) {
        t.run(0, i);
      }
      return;
    }
    task = t;
    items = n;
    remaining.set(n);
    caller = Thread.currentThread();
    int g = generation + 1;
    claim.set((long) g << 32);
    generation = g;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    drain(0, t, n, g);
    while (remaining.get() > 0) {
      LockSupport.parkNanos(this, 50_000L);
    }
    task = null;
  }

  private void drain(int participant, Task t, int n, int g) {
    while (true) {
      long c = claim.get();
      int i = (int) c;
      if ((int) (c >>> 32) != g || i >= n) {
        return;
      }
      if (!claim.compareAndSet(c, c + 1)) {
        continue;
      }
      try {
        t.run(participant, i);
      } finally {
        if (remaining.decrementAndGet() == 0) {
          Thread waiting = caller;
          if (waiting != null) {
            LockSupport.unpark(waiting);
          }
        }
      }
    }
  }

  private void workLoop(int participant) {
    int seen = 0;
    while (!closed) {
      int g = generation;
      Task t = task;
      int n = items;
      if (g != seen && t != null) {
        seen = g;
        drain(participant, t, n, g);
      } else {
        LockSupport.parkNanos(this, 1_000_000L);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
