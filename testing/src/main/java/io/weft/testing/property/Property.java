package io.weft.testing.property;

import java.util.SplittableRandom;
import org.opentest4j.TestAbortedException;

/**
 * A property run from a plain JUnit {@code @Test}: {@code Property.forAll(gen).tries(500).check(v
 * -> ...)}. Each try draws a case from its own seed; the first failing case is shrunk (see {@link
 * Shrinker}) and reported by a {@link PropertyFailure} that names the seed, the shrunk and the
 * original counterexample. {@code -Dweft.seed=S} runs only the case with seed S (run one test
 * method with it, e.g. {@code -Dtest='CryptoProperties#x25519*'}); {@code -Dweft.tries=N} runs N
 * tries instead of each property's own count. A case that aborts the test (an unmet prerequisite)
 * aborts the whole property.
 */
public final class Property<T> {
  /** System property that replays one case. */
  public static final String SEED_PROPERTY = "weft.seed";

  /** System property that overrides every property's number of tries. */
  public static final String TRIES_PROPERTY = "weft.tries";

  private static final int DEFAULT_TRIES = 1000;

  private final Gen<T> gen;
  private int tries = DEFAULT_TRIES;
  private Long seed;

  private Property(Gen<T> gen) {
    this.gen = gen;
  }

  /** A property over one generated value. */
  public static <T> Property<T> forAll(Gen<T> gen) {
    return new Property<>(gen);
  }

  /** A property over two generated values (see {@link Property2#check}). */
  public static <A, B> Property2<A, B> forAll(Gen<A> a, Gen<B> b) {
    return new Property2<>(forAll(src -> new Pair<>(a.generate(src), b.generate(src))));
  }

  /** A property over three generated values (see {@link Property3#check}). */
  public static <A, B, C> Property3<A, B, C> forAll(Gen<A> a, Gen<B> b, Gen<C> c) {
    return new Property3<>(
        forAll(src -> new Triple<>(a.generate(src), b.generate(src), c.generate(src))));
  }

  /** How many cases to try (1000 unless set; {@code -Dweft.tries} overrides). */
  public Property<T> tries(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("tries " + n);
    }
    this.tries = n;
    return this;
  }

  /** Runs only the case with this seed (as {@code -Dweft.seed} does). */
  public Property<T> seed(long caseSeed) {
    this.seed = caseSeed;
    return this;
  }

  /** Runs the property; throws {@link PropertyFailure} for the first case that fails. */
  public void check(Body<T> body) {
    final Long replay = seed != null ? seed : systemSeed();
    final int n = replay != null ? 1 : Integer.getInteger(TRIES_PROPERTY, tries);
    final SplittableRandom seeds = new SplittableRandom();
    for (int i = 0; i < n; i++) {
      final long caseSeed = replay != null ? replay : seeds.nextLong();
      final Source source = Source.random(new SplittableRandom(caseSeed));
      final T value = gen.generate(source);
      final Throwable failure;
      try {
        body.accept(value);
        continue;
      } catch (TestAbortedException e) {
        throw e; // an unmet prerequisite skips the whole test, as it would outside a property
      } catch (Throwable t) {
        failure = t;
      }
      final Shrinker.Result<T> shrunk =
          Shrinker.shrink(gen, body, source.choices(), value, failure);
      throw new PropertyFailure(
          caseSeed, i + 1, value, shrunk.value(), shrunk.steps(), shrunk.failure());
    }
  }

  private static Long systemSeed() {
    final String s = System.getProperty(SEED_PROPERTY);
    return s == null || s.isBlank() ? null : Long.parseLong(s.trim());
  }

  /**
   * The failure of {@code body} on {@code value}, or null if it passed (or, while shrinking,
   * aborted).
   */
  static <T> Throwable run(Body<T> body, T value) {
    try {
      body.accept(value);
      return null;
    } catch (TestAbortedException e) {
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** The property's body: it fails by throwing (an assertion or anything else). */
  @FunctionalInterface
  public interface Body<T> {
    /** Checks the property for one value. */
    void accept(T value) throws Throwable;
  }

  /** A body over two values. */
  @FunctionalInterface
  public interface Body2<A, B> {
    /** Checks the property for one case. */
    void accept(A a, B b) throws Throwable;
  }

  /** A body over three values. */
  @FunctionalInterface
  public interface Body3<A, B, C> {
    /** Checks the property for one case. */
    void accept(A a, B b, C c) throws Throwable;
  }

  record Pair<A, B>(A first, B second) {}

  record Triple<A, B, C>(A first, B second, C third) {}

  /** A property over two values. */
  public static final class Property2<A, B> {
    private final Property<Pair<A, B>> inner;

    Property2(Property<Pair<A, B>> inner) {
      this.inner = inner;
    }

    /** How many cases to try. */
    public Property2<A, B> tries(int n) {
      inner.tries(n);
      return this;
    }

    /** Runs only the case with this seed. */
    public Property2<A, B> seed(long caseSeed) {
      inner.seed(caseSeed);
      return this;
    }

    /** Runs the property. */
    public void check(Body2<A, B> body) {
      inner.check(p -> body.accept(p.first(), p.second()));
    }
  }

  /** A property over three values. */
  public static final class Property3<A, B, C> {
    private final Property<Triple<A, B, C>> inner;

    Property3(Property<Triple<A, B, C>> inner) {
      this.inner = inner;
    }

    /** How many cases to try. */
    public Property3<A, B, C> tries(int n) {
      inner.tries(n);
      return this;
    }

    /** Runs only the case with this seed. */
    public Property3<A, B, C> seed(long caseSeed) {
      inner.seed(caseSeed);
      return this;
    }

    /** Runs the property. */
    public void check(Body3<A, B, C> body) {
      inner.check(t -> body.accept(t.first(), t.second(), t.third()));
    }
  }
}
