/**
 * A small seeded property harness for plain JUnit 5 tests: generators ({@link
 * io.weft.testing.property.Gens}) draw their choices from a {@link
 * io.weft.testing.property.Source}; {@link io.weft.testing.property.Property#forAll} runs a body
 * over many cases and, on failure, shrinks the case's choice sequence (the idea of Hypothesis's
 * "internal reduction": MacIver and Donaldson, "Test-Case Reduction via Test-Case Generation",
 * ECOOP 2020) and reports the seed that replays it ({@code -Dweft.seed}).
 *
 * <p>Weft does not use jqwik: its author asks that AI coding agents not use it, and this project is
 * partly written by them.
 */
package io.weft.testing.property;
