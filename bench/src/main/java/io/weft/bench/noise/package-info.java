/** JMH benchmarks of the WireGuard handshake ({@code io.weft.wg.noise}). */
package io.weft.bench.noise;
