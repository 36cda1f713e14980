/**
 * The {@link io.weft.wg.tun.Tun} seam: batch I/O of IP packets between the WireGuard device and
 * whatever carries them (kernel TUN, userspace netstack, in-memory double).
 */
package io.weft.wg.tun;
