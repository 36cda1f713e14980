/**
 * Linux TUN devices ({@code /dev/net/tun}, Documentation/networking/tuntap.rst in the kernel tree).
 *
 * <p>{@link io.weft.tun.linux.LinuxTun} opens the clone device, creates the interface with {@code
 * TUNSETIFF} ({@code IFF_TUN | IFF_NO_PI}: bare IP packets, no 4-byte packet-information prefix),
 * sets its MTU and brings it up with {@code SIOCSIFMTU}/{@code SIOCSIFFLAGS} on an {@code AF_INET}
 * socket. Packets then flow through {@link io.weft.tun.posix.PosixTun}. The interface lives as long
 * as the descriptor: closing the device deletes it. Deleting the interface ({@code ip link del})
 * makes reads and writes fail with {@code EBADFD}, and writes to a link set down fail with {@code
 * EIO}; both are reported as an {@code IOException} saying so, and a blocked reader is woken by the
 * deletion.
 *
 * <p>With offloads ({@code LinuxTun.open(name, mtu, batch, true)}) the device is created with
 * {@code IFF_VNET_HDR}, {@code TUNSETVNETHDRSZ} 10 and {@code TUNSETOFFLOAD} (checksum, TSO4,
 * TSO6): the kernel's TCP then hands over segments of up to 64 KB, which reads cut back to
 * MTU-sized packets ({@link io.weft.tun.offload.GsoSplitter}, keeping what does not fit a batch for
 * the next read), and writes merge runs of a flow's segments into one ({@link
 * io.weft.tun.offload.GroCoalescer}). A kernel that refuses the ioctls gets a plain TUN.
 *
 * <p>{@link io.weft.tun.linux.IpRoute2} adds addresses and routes by running {@code ip(8)}. Tests
 * and benchmarks keep their traffic off the host's interfaces with the {@code testing} module's
 * {@code NetworkNamespace}.
 */
package io.weft.tun.linux;
