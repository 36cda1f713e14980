/**
 * The {@link io.weft.wg.conn.Bind} seam and its plain UDP implementations, for IPv4 and IPv6.
 *
 * <ul>
 *   <li>{@link io.weft.wg.conn.Endpoint}: names a path to a peer by its identity (cookies, rate
 *       limiting, roaming); its socket address is optional, so a relayed path works (wireguard-go's
 *       {@code conn.Endpoint}, {@code DstToBytes} apart from {@code DstIP}).
 *   <li>{@link io.weft.wg.conn.Bind}: batch send and receive; one {@link
 *       io.weft.wg.conn.Bind.Receiver} per source of datagrams, each with its own device loop
 *       (wireguard-go's {@code ReceiveFunc}s); {@link io.weft.wg.conn.Bind#endpointFor} and {@link
 *       io.weft.wg.conn.Bind#setPeers} take each peer's {@link io.weft.wg.conn.PeerPaths} whole, so
 *       path choice is the bind's.
 *   <li>{@link io.weft.wg.conn.BindFactory}: builds the node's bind from its keys, the {@link
 *       io.weft.wg.conn.RelayMap} and a listener for its local endpoints.
 * </ul>
 *
 * <p>Facts from wireguard-go (commit f333402): {@code conn/conn.go:28} ({@code ReceiveFunc}),
 * {@code :38} ({@code Open} returns one per source), {@code :82} ({@code DstToBytes}, the mac2
 * input); {@code device/receive.go:72} (one {@code RoutineReceiveIncoming} per receive function),
 * {@code :329} and {@code :336} (mac2 over {@code DstToBytes}, rate limiting by {@code DstIP}).
 *
 * <p>{@link io.weft.wg.conn.UdpBind} runs on {@link java.nio.channels.DatagramChannel}; {@link
 * io.weft.wg.conn.Binds#defaultBind()} picks the batched Linux bind ({@link io.weft.wg.conn.linux})
 * where it works.
 */
package io.weft.wg.conn;
