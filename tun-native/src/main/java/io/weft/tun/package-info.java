/**
 * Operating-system TUN devices implementing {@link io.weft.wg.tun.Tun}.
 *
 * <p>{@link io.weft.tun.Tuns#open} picks the implementation for the running OS:
 *
 * <ul>
 *   <li>Linux — {@link io.weft.tun.linux.LinuxTun}, {@code /dev/net/tun}; tested, inside network
 *       namespaces the tests create;
 *   <li>macOS — {@link io.weft.tun.darwin.MacUtun}, a {@code utun} control socket; not yet run on
 *       macOS;
 *   <li>Windows — {@link io.weft.tun.windows.WindowsWintun}, {@code wintun.dll}; not yet run on
 *       Windows.
 * </ul>
 *
 * <p>Setup goes through JNA; the per-packet path through the FFM API (downcall handles linked
 * {@code critical}), which measured cheaper per call than JNA direct mapping ({@code
 * bench/README.md} has the numbers). Both are restricted native access: run the JVM with {@code
 * --enable-native-access=ALL-UNNAMED}, or JDK 25 prints a warning on first use.
 */
package io.weft.tun;
