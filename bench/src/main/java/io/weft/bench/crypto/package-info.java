/** JMH benchmarks of {@code io.weft.wg.crypto}, each against the alternative it was chosen over. */
package io.weft.bench.crypto;
