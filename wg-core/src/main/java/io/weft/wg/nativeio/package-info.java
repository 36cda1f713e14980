/**
 * Mechanics shared by every caller of native I/O in Weft (the Linux batch UDP bind here, the TUN
 * devices of {@code tun-native}).
 *
 * <p>{@link io.weft.wg.nativeio.CloseGate} lets calls run until close and hands the release of the
 * descriptor to whichever party leaves last: the scheme of the JDK's {@code FileChannelImpl} (a
 * closed flag plus a count of threads inside native calls).
 *
 * <p>{@link io.weft.wg.nativeio.Libc} links C library functions through FFM downcall handles and
 * reads the {@code errno} they capture into a caller-owned segment; the Linux socket calls ({@code
 * io.weft.wg.conn.linux.Syscalls}) and the TUN packet path ({@code io.weft.tun.posix.NativeIo}) are
 * built from it, each keeping only its own functions.
 */
package io.weft.wg.nativeio;
