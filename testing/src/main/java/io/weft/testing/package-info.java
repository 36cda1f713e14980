/**
 * Test support every module's tests share: {@link io.weft.testing.Prerequisites} (what privileged
 * and interop tests need of the machine: skip with the reason on a laptop, fail under {@code
 * CI=true}) and {@link io.weft.testing.Await} (bounded waits for a state, never fixed sleeps).
 *
 * <p>The module depends on no Weft module, so that wg-core's own tests can use it (Maven forbids a
 * cycle even through test scope). The in-memory {@code Tun} and {@code Bind} doubles and their
 * contract suites need wg-core's types, so they are wg-core's test-jar ({@code
 * io.weft.wg.testing}).
 */
package io.weft.testing;
