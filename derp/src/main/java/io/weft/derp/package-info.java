/**
 * Tailscale's DERP relay protocol, version 2 (see {@code derp/PROTOCOL.md}): {@link
 * io.weft.derp.wire} frames and the NaCl box, {@link io.weft.derp.server} the relay server, its
 * mesh and STUN, {@link io.weft.derp.client} the client. {@link io.weft.derp.NodeKey} addresses
 * clients; the relay map (Tailscale's {@code tailcfg.DERPMap}, derpmap.go) is wg-core's {@link
 * io.weft.wg.conn.RelayMap}, the one type the control protocol, the bind and the relay share.
 * Sources: tailscale.com v1.102.5 {@code derp/derp.go}, {@code derp/derp_client.go}, {@code
 * derp/derpserver/derpserver.go}, {@code derp/derphttp}, {@code cmd/derper}; file:line in
 * PROTOCOL.md.
 */
package io.weft.derp;
