/**
 * The mesh {@link io.weft.wg.conn.Bind}: {@link io.weft.magicsock.MagicBind}, built by {@link
 * io.weft.magicsock.MagicBind#factory}. One UDP socket (wg-core's plain bind inside) carries
 * WireGuard, disco ({@link io.weft.magicsock.disco}) and STUN ({@link io.weft.magicsock.stun}); the
 * home relay (derp's {@code RegionClient}) is a second receive source. Each peer is one {@link
 * io.weft.magicsock.PeerEndpoint} whose identity is the node key, so the device never sees a path
 * change.
 *
 * <p>Facts from Tailscale (read, not copied):
 *
 * <ul>
 *   <li>{@code wgengine/magicsock/magicsock.go:2125} packetLooksLike: STUN first (the cookie and
 *       byte 1 = 0x01, {@code net/stun/stun.go:308}), then disco by magic, else WireGuard.
 *   <li>{@code wgengine/magicsock/endpoint.go:577-594} addrForSendLocked: the best address while
 *       trusted; otherwise the best address and the relay both. {@code endpoint.go:1046-1065} send:
 *       disco pings go out when no direct path is trusted.
 *   <li>{@code wgengine/magicsock/endpoint.go:811-879} heartbeat: a trusted path that carried
 *       traffic recently is pinged every heartbeat interval, so pongs keep it trusted.
 *   <li>{@code wgengine/magicsock/magicsock.go:4032-4058}: heartbeat 3 s, trust 6.5 s after a pong,
 *       disco ping interval 5 s.
 *   <li>Pong over the relay names the source {@code 127.3.3.40:<region>}; call-me-maybe is accepted
 *       only via the relay ({@code magicsock.go:2351}, TAILSCALE-PROTOCOLS.md §4.3).
 * </ul>
 *
 * <p>Relays: the home region is the relay map's first (netcheck's preferred region is not yet fed
 * back); a peer homed elsewhere is sent to through its home region, connected on demand.
 *
 * <p>Not yet: choosing the home region by latency, disco pings over the relay for latency,
 * switching only on a clear latency gain (a faster pong wins outright), an IPv6 socket per family,
 * port mapping, hard-NAT probing, re-probing on a network change.
 */
package io.weft.magicsock;
