package io.weft.testing.property;

import java.util.Arrays;

/**
 * Shrinks a failing case by shrinking its choice sequence: delete blocks of choices (big blocks
 * first, so long lists and arrays lose most of their elements quickly), set blocks to 0, then lower
 * each choice towards 0 by halving steps. A candidate is kept only if it is simpler (a shorter
 * sequence, or as long and smaller at its first difference) and fails with the same kind of error,
 * so shrinking ends; it is also bounded in runs and time.
 */
final class Shrinker {
  private static final int MAX_RUNS = 3000;
  private static final long MAX_NANOS = 20_000_000_000L;

  private Shrinker() {}

  record Result<T>(T value, Throwable failure, int steps) {}

  static <T> Result<T> shrink(
      Gen<T> gen, Property.Body<T> body, long[] choices, T value, Throwable failure) {
    final State<T> s = new State<>(gen, body, choices, value, failure);
    boolean improved = true;
    while (improved && s.budgetLeft()) {
      improved = false;
      improved |= deleteBlocks(s);
      improved |= zeroBlocks(s);
      improved |= lowerEach(s);
    }
    return new Result<>(s.value, s.failure, s.steps);
  }

  private static boolean deleteBlocks(State<?> s) {
    boolean improved = false;
    for (int size = Integer.highestOneBit(Math.max(1, s.choices.length)); size >= 1; size >>= 1) {
      for (int i = 0; i + size <= s.choices.length && s.budgetLeft(); ) {
        final long[] c = s.choices;
        final long[] cand = new long[c.length - size];
        System.arraycopy(c, 0, cand, 0, i);
        System.arraycopy(c, i + size, cand, i, c.length - i - size);
        if (s.tryCandidate(cand)) {
          improved = true;
        } else {
          i += size > 8 ? size : 1;
        }
      }
    }
    return improved;
  }

  private static boolean zeroBlocks(State<?> s) {
    boolean improved = false;
    for (int size = Integer.highestOneBit(Math.max(1, s.choices.length)); size >= 1; size >>= 1) {
      for (int i = 0; i + size <= s.choices.length && s.budgetLeft(); i += size > 8 ? size : 1) {
        if (allZero(s.choices, i, size)) {
          continue;
        }
        final long[] cand = s.choices.clone();
        Arrays.fill(cand, i, i + size, 0);
        improved |= s.tryCandidate(cand);
      }
    }
    return improved;
  }

  /**
   * Lowers each choice: to 0, then by even steps halving down to 2 (number generators zigzag around
   * 0, so an even step keeps the sign), then by 1.
   */
  private static boolean lowerEach(State<?> s) {
    boolean improved = false;
    for (int i = 0; i < s.choices.length && s.budgetLeft(); i++) {
      if (s.choices[i] == 0) {
        continue;
      }
      if (s.tryCandidate(with(s.choices, i, 0))) {
        improved = true;
        continue;
      }
      long delta = (s.choices[i] >>> 1) & ~1L;
      while (delta >= 2 && i < s.choices.length && s.budgetLeft()) {
        if (Long.compareUnsigned(s.choices[i], delta) >= 0
            && s.tryCandidate(with(s.choices, i, s.choices[i] - delta))) {
          improved = true;
          delta = i < s.choices.length ? (s.choices[i] >>> 1) & ~1L : 0;
        } else {
          delta = (delta >>> 1) & ~1L;
        }
      }
      if (i < s.choices.length && s.choices[i] != 0 && s.budgetLeft()) {
        improved |= s.tryCandidate(with(s.choices, i, s.choices[i] - 1));
      }
    }
    return improved;
  }

  private static long[] with(long[] c, int i, long v) {
    final long[] out = c.clone();
    out[i] = v;
    return out;
  }

  private static boolean allZero(long[] c, int from, int size) {
    for (int i = from; i < from + size; i++) {
      if (c[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Shorter, or as long and smaller (unsigned) at the first difference. */
  static boolean simpler(long[] a, long[] b) {
    if (a.length != b.length) {
      return a.length < b.length;
    }
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return Long.compareUnsigned(a[i], b[i]) < 0;
      }
    }
    return false;
  }

  private static final class State<T> {
    final Gen<T> gen;
    final Property.Body<T> body;
    final Class<?> kind;
    final long deadline = System.nanoTime() + MAX_NANOS;
    long[] choices;
    T value;
    Throwable failure;
    int runs;
    int steps;

    State(Gen<T> gen, Property.Body<T> body, long[] choices, T value, Throwable failure) {
      this.gen = gen;
      this.body = body;
      this.choices = choices;
      this.value = value;
      this.failure = failure;
      this.kind = failure.getClass();
    }

    boolean budgetLeft() {
      return runs < MAX_RUNS && System.nanoTime() < deadline;
    }

    boolean tryCandidate(long[] candidate) {
      final Source source = Source.replay(candidate);
      final T v;
      try {
        v = gen.generate(source);
      } catch (RuntimeException e) {
        return false;
      }
      final long[] used = source.choices();
      if (!simpler(used, choices)) {
        return false;
      }
      runs++;
      final Throwable t = Property.run(body, v);
      if (t == null || t.getClass() != kind) {
        return false;
      }
      choices = used;
      value = v;
      failure = t;
      steps++;
      return true;
    }
  }
}
