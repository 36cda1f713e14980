/**
 * The DERP relay server on Netty: {@link io.weft.derp.server.DerpServer} (registry, routing,
 * deadlines), {@link io.weft.derp.server.HttpFront} (the HTTP surface and upgrades), {@code
 * ClientConn} (one connection: handshake, frames, bounded data and disco queues), {@link
 * io.weft.derp.server.MeshLink} (regional mesh), {@link io.weft.derp.server.StunServer} (RFC 8489
 * Binding), {@link io.weft.derp.server.Metrics} and {@link io.weft.derp.server.RelayMain} ({@code
 * weft relay serve}). Sources: tailscale.com v1.102.5 {@code derp/derpserver/} derpserver.go:89-91,
 * 764-1365, 1488-1530, 2001-2160; handler.go:16-110; websocket.go:27-60; {@code
 * cmd/derper/mesh.go}:21-60.
 */
package io.weft.derp.server;
