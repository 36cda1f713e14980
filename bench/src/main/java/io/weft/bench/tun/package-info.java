/**
 * Benchmarks for {@code io.weft.tun}: what one {@code read}/{@code write} on a Linux TUN costs
 * through each way Java can call the C library, and what the batch API adds on top.
 *
 * <p>{@link io.weft.bench.tun.TunSyscallBenchmark} compares JNA direct mapping ({@code
 * Native.register}, {@link io.weft.bench.tun.JnaDirectLibc}) with FFM downcall handles, plain and
 * {@code critical} ({@link io.weft.bench.tun.FfmLibc}), on the same descriptor and buffer; {@link
 * io.weft.bench.tun.LinuxTunBenchmark} measures {@code LinuxTun.read}/{@code write} themselves.
 * Both need root: they create a network namespace ({@link io.weft.bench.tun.TunInNamespace}) and
 * put the TUN in it, so no packet touches the host's interfaces.
 */
package io.weft.bench.tun;
