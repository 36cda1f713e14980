/**
 * A batched UDP {@link io.weft.wg.conn.Bind} for Linux: {@code recvmmsg(2)} and {@code sendmmsg(2)}
 * (with UDP GSO, {@code UDP_SEGMENT}, where the kernel takes it) on a dual-stack socket, called
 * through the Java FFM API (JEP 454), so one system call moves a batch instead of one datagram.
 * wireguard-go's {@code conn/bind_std.go} does the same.
 *
 * <ul>
 *   <li>{@link io.weft.wg.conn.linux.LinuxBatchUdpBind} — the bind: socket lifetime, the receive
 *       and send loops, the wait and close protocol.
 *   <li>{@code ReceiveBatch}, {@code SendBatch} — the native message headers, iovecs, addresses and
 *       staging memory of one receive or send, allocated once.
 *   <li>{@link io.weft.wg.conn.linux.SockaddrEndpoint} — an endpoint that keeps its {@code
 *       sockaddr_in6} fields, so sources are matched and destinations written without allocating.
 *   <li>{@code Syscalls}, {@code Msghdr}, {@code Sockaddr} — the downcalls, and the layouts of
 *       {@code struct mmsghdr}, {@code iovec}, {@code cmsghdr} and {@code sockaddr_in6}.
 * </ul>
 *
 * <p>Needs {@code --enable-native-access=ALL-UNNAMED}; {@link io.weft.wg.conn.Binds#defaultBind()}
 * falls back to {@link io.weft.wg.conn.UdpBind} without it.
 */
package io.weft.wg.conn.linux;
