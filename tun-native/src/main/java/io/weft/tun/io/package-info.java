/**
 * Mechanics every TUN device shares, whatever its operating system.
 *
 * <p>The devices admit {@code read} and {@code write} through wg-core's {@link
 * io.weft.wg.nativeio.CloseGate}, which hands the release of native resources to whichever party
 * leaves last, so a descriptor is never closed (and its number reused) under a call still using it.
 *
 * <p>{@link io.weft.tun.io.BufferViews} turns a caller's {@code ByteBuffer} into a memory segment
 * over its whole capacity, so packets are read and written at absolute offsets without touching the
 * buffer's position and limit, as the {@link io.weft.wg.tun.Tun} contract requires.
 *
 * <p>{@link io.weft.tun.io.Command} runs configuration commands ({@code ip}, {@code netsh}) with a
 * time limit and clear errors; {@link io.weft.tun.io.Os} says which system this is.
 */
package io.weft.tun.io;
