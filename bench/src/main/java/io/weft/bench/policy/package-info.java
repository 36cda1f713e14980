/** Benchmarks of {@code io.weft.control.policy}: compiling a policy for a large tailnet. */
package io.weft.bench.policy;
