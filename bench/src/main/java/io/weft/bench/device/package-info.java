/** JMH benchmarks of the device's per-packet path ({@code io.weft.wg.device}). */
package io.weft.bench.device;
