/**
 * macOS TUN devices: {@code utun} kernel-control sockets.
 *
 * <p>{@link io.weft.tun.darwin.MacUtun} opens a {@code PF_SYSTEM} datagram socket, resolves the
 * control id of {@code com.apple.net.utun_control} with {@code CTLIOCGINFO}, and connects to unit
 * {@code N + 1} for {@code utunN} (unit 0: the kernel picks); the interface name comes back from
 * the {@code UTUN_OPT_IFNAME} socket option ({@code <sys/kern_control.h>}, {@code <net/if_utun.h>};
 * the same steps as wireguard-go's {@code tun_darwin.go}). Each packet crosses the socket behind a
 * 4-byte protocol-family header ({@link io.weft.tun.darwin.UtunHeader}), which this package adds
 * and strips with {@code writev} and {@code readv} so the caller's bytes before the packet offset
 * are never touched.
 *
 * <p><b>Not yet run on macOS.</b> The structure layouts, the header handling and the whole packet
 * path (over a Linux {@code AF_UNIX} datagram socket pair, which frames packets the same way) are
 * tested on Linux; opening a real utun and its ioctls have not been exercised.
 */
package io.weft.tun.darwin;
