package io.weft.testing.property;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** The harness finds planted bugs, shrinks them to the smallest case and replays seeds. */
class PropertyTest {

  @Test
  void shouldShrinkAnIntToTheBoundaryOfAPlantedBug() {
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(Gens.ints(0, 1_000_000))
                    .tries(1000)
                    .check(x -> assertThat(x).isLessThan(1234)));
    assertThat(f).isNotNull();
    assertThat(f.counterexample()).isEqualTo(1234);
    assertThat(f.getMessage())
        .contains("-Dweft.seed=" + f.seed())
        .contains("shrunk counterexample")
        .contains("1234");
    assertThat(f.getCause()).isInstanceOf(AssertionError.class);
  }

  @Test
  void shouldShrinkNegativeIntsTowardsZero() {
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () -> Property.forAll(Gens.ints()).check(x -> assertThat(x).isGreaterThan(-77)));
    assertThat(f.counterexample()).isEqualTo(-77);
  }

  @Test
  void shouldShrinkAListToOneMinimalElement() {
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(Gens.ints(-1000, 1000).list(50))
                    .tries(1000)
                    .check(l -> assertThat(l.stream().mapToInt(i -> i).sum()).isLessThan(100)));
    assertThat(f.counterexample()).isEqualTo(List.of(100));
  }

  @Test
  void shouldShrinkAByteArrayShorterAndToZeroBytes() {
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(Gens.byteArrays(0, 2000))
                    .check(b -> assertThat(b.length).isLessThan(10)));
    assertThat((byte[]) f.counterexample()).isEqualTo(new byte[10]);
    assertThat(((byte[]) f.original()).length).isGreaterThanOrEqualTo(10);
  }

  @Test
  void shouldFindABugThatNeedsAByteValueAndKeepIt() {
    // Fails only when some byte is 0x7f: shrinking keeps that byte and drops the rest.
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(Gens.byteArrays(0, 300))
                    .check(
                        b -> {
                          for (byte x : b) {
                            assertThat(x).isNotEqualTo((byte) 0x7f);
                          }
                        }));
    assertThat((byte[]) f.counterexample()).containsExactly(0x7f);
  }

  @Test
  void shouldShrinkThroughMapAndFlatMap() {
    final Gen<int[]> pairs =
        Gens.ints(0, 100).flatMap(a -> Gens.ints(a, 1000).map(b -> new int[] {a, b}));
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () -> Property.forAll(pairs).check(p -> assertThat(p[1] - p[0]).isLessThan(500)));
    final int[] c = (int[]) f.counterexample();
    assertThat(c).containsExactly(0, 500);
  }

  @Test
  void shouldReplayTheSameCaseFromItsSeed() {
    final Gen<byte[]> gen = Gens.byteArrays(0, 2000);
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () -> Property.forAll(gen).check(b -> assertThat(b.length).isLessThan(1500)));
    final PropertyFailure again =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(gen)
                    .seed(f.seed())
                    .check(b -> assertThat(b.length).isLessThan(1500)));
    assertThat((byte[]) again.original()).isEqualTo((byte[]) f.original());
    assertThat((byte[]) again.counterexample()).isEqualTo((byte[]) f.counterexample());
  }

  @Test
  void shouldRunEveryTryOfAPassingProperty() {
    final AtomicInteger runs = new AtomicInteger();
    Property.forAll(Gens.ints()).tries(321).check(x -> runs.incrementAndGet());
    assertThat(runs).hasValue(321);
  }

  @Test
  void shouldPassTwoAndThreeValuesInOrder() {
    final PropertyFailure f =
        catchThrowableOfType(
            PropertyFailure.class,
            () ->
                Property.forAll(Gens.ints(0, 10), Gens.ints(0, 10), Gens.booleans())
                    .check((a, b, c) -> assertThat(a + b < 15 || !c).isTrue()));
    // A local minimum: no single value can be lowered, so the sum is exactly at the bug.
    assertThat(f.counterexample()).isInstanceOf(Property.Triple.class);
    final Property.Triple<?, ?, ?> t = (Property.Triple<?, ?, ?>) f.counterexample();
    assertThat((Integer) t.first() + (Integer) t.second()).isEqualTo(15);
    assertThat(t.third()).isEqualTo(true);
    assertThat(f.getMessage())
        .contains("first=" + t.first() + ", second=" + t.second() + ", third=true");
  }

  @Test
  void shouldIncludeTheEdgeCasesOfARange() {
    final Set<Long> seen = new HashSet<>();
    Property.forAll(Gens.longs()).tries(1000).check(seen::add);
    assertThat(seen).contains(Long.MIN_VALUE, Long.MAX_VALUE, 0L, 1L, -1L);
    final Set<Integer> small = new HashSet<>();
    Property.forAll(Gens.ints(-5, 1_000_000)).tries(1000).check(small::add);
    assertThat(small).contains(-5, 1_000_000, 0, 1, -1);
    final Set<Integer> sizes = new HashSet<>();
    Property.forAll(Gens.byteArrays(3, 2000)).tries(1000).check(b -> sizes.add(b.length));
    assertThat(sizes).contains(3, 2000);
    assertThat(sizes.stream().filter(s -> s > 1000).count()).isGreaterThan(20);
  }

  @Test
  void shouldStayInsideRangesThatSpanEverything() {
    Property.forAll(Gens.longs(Long.MIN_VALUE + 3, Long.MAX_VALUE - 1))
        .check(v -> assertThat(v).isBetween(Long.MIN_VALUE + 3, Long.MAX_VALUE - 1));
    Property.forAll(Gens.ints(7, 9)).check(v -> assertThat(v).isBetween(7, 9));
    Property.forAll(Gens.ints(-9, -7)).check(v -> assertThat(v).isBetween(-9, -7));
  }

  @Test
  void shouldReachEveryValueOfASmallRange() {
    final Set<Integer> seen = new HashSet<>();
    Property.forAll(Gens.ints(-3, 4)).tries(500).check(seen::add);
    assertThat(seen).containsExactlyInAnyOrder(-3, -2, -1, 0, 1, 2, 3, 4);
  }

  @Test
  void shouldReportNonAssertionFailuresToo() {
    assertThatThrownBy(
            () ->
                Property.forAll(Gens.byteArrays(0, 100))
                    .check(
                        b -> {
                          if (b.length > 3) {
                            throw new IllegalStateException("planted");
                          }
                        }))
        .isInstanceOf(PropertyFailure.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("byte[4] 00000000");
  }

  @Test
  void shouldPickWeightedAlternativesAndNulls() {
    final AtomicInteger nulls = new AtomicInteger();
    final AtomicInteger bs = new AtomicInteger();
    Property.forAll(
            Gens.<String>frequency(Gens.weightOf(1, "a"), Gens.weightOf(3, "b")).orNull(0.2))
        .tries(2000)
        .check(
            s -> {
              if (s == null) {
                nulls.incrementAndGet();
              } else if (s.equals("b")) {
                bs.incrementAndGet();
              }
            });
    assertThat(nulls.get()).isBetween(250, 550);
    assertThat(bs.get()).isBetween(1000, 1400);
  }

  @Test
  void shouldAbortTheWholePropertyWhenACaseAborts() {
    final AtomicInteger runs = new AtomicInteger();
    assertThatThrownBy(
            () ->
                Property.forAll(Gens.ints())
                    .check(
                        x -> {
                          runs.incrementAndGet();
                          throw new TestAbortedException("prerequisite missing");
                        }))
        .isInstanceOf(TestAbortedException.class);
    assertThat(runs).hasValue(1);
  }
}
