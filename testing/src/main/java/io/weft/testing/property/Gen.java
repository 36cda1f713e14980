package io.weft.testing.property;

import java.util.List;
import java.util.function.Function;

/**
 * A generator of values from a {@link Source}'s choices. Build one from {@link Gens}, or write it
 * as a lambda that calls other generators in order: {@code src -> new Op(offsets.generate(src),
 * lengths.generate(src))}. A generator must be deterministic in its choices (same choices, same
 * value), so that a seed replays and shrinking works.
 */
@FunctionalInterface
public interface Gen<T> {
  /** A value made from the source's next choices. */
  T generate(Source source);

  /** This generator's values through {@code f}; shrinks as this one does. */
  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return src -> f.apply(generate(src));
  }

  /** A generator chosen by this one's value; shrinks both. */
  default <R> Gen<R> flatMap(Function<? super T, Gen<R>> f) {
    return src -> f.apply(generate(src)).generate(src);
  }

  /** Lists of {@code min} to {@code max} of this generator's values. */
  default Gen<List<T>> list(int min, int max) {
    return Gens.lists(this, min, max);
  }

  /** Lists of up to {@code max} of this generator's values. */
  default Gen<List<T>> list(int max) {
    return list(0, max);
  }

  /** Null with the given probability, else this generator's value; shrinks towards null. */
  default Gen<T> orNull(double probability) {
    return src -> {
      final long isValue = src.choose(1, r -> r.nextDouble() < probability ? 0 : 1);
      return isValue == 0 ? null : generate(src);
    };
  }
}
