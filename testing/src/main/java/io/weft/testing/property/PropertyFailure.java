package io.weft.testing.property;

/**
 * A property's failing case: the seed that replays it, the shrunk counterexample (the failure of
 * the shrunk case is the cause) and the original one.
 */
public final class PropertyFailure extends AssertionError {
  private static final long serialVersionUID = 1L;

  private final transient long seed;
  private final transient Object counterexample;
  private final transient Object original;

  PropertyFailure(
      long seed, int tries, Object original, Object counterexample, int steps, Throwable cause) {
    super(
        "Property failed on try "
            + tries
            + " (seed "
            + seed
            + "; replay with -D"
            + Property.SEED_PROPERTY
            + "="
            + seed
            + ")\n  shrunk counterexample ("
            + steps
            + " steps): "
            + Describe.of(counterexample)
            + "\n  original counterexample: "
            + Describe.of(original)
            + "\n  failure: "
            + cause,
        cause);
    this.seed = seed;
    this.counterexample = counterexample;
    this.original = original;
  }

  /** The seed of the failing case ({@code -Dweft.seed}). */
  public long seed() {
    return seed;
  }

  /** The shrunk counterexample. */
  public Object counterexample() {
    return counterexample;
  }

  /** The counterexample as first generated. */
  public Object original() {
    return original;
  }
}
