/**
 * What Linux and macOS TUN devices share: a non-blocking descriptor on which each read returns one
 * packet, drained in batches, with a blocking wait that {@code close} can interrupt.
 *
 * <p>Two bindings, chosen by cost ({@code io.weft.bench.tun.TunSyscallBenchmark}; numbers in {@code
 * bench/README.md}: a non-blocking read costs ~205 ns through FFM, ~345 ns through JNA direct
 * mapping):
 *
 * <ul>
 *   <li>{@link io.weft.tun.posix.NativeIo} — the per-packet path ({@code read}, {@code write},
 *       {@code readv}, {@code writev}) and the per-batch wait ({@code poll}) through the Java FFM
 *       API (JEP 454). The per-packet calls are linked {@code critical}: they never block on a
 *       non-blocking descriptor, so they skip the thread-state transition and accept heap segments.
 *   <li>{@link io.weft.tun.posix.PosixSetup} — opening and configuring devices ({@code open},
 *       {@code ioctl}, {@code socket}, {@code pipe}, {@code fcntl}) through JNA, whose errors
 *       arrive as {@code LastErrorException} with the C library's message.
 * </ul>
 *
 * <p>{@link io.weft.tun.posix.PosixTun} holds the batch loops: block in {@code poll(2)} on the
 * device and on a wake pipe until one packet is ready, then read without blocking until the device
 * says {@code EAGAIN} or the batch is full.
 */
package io.weft.tun.posix;
