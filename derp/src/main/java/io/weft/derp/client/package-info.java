/**
 * DERP clients: {@link io.weft.derp.client.DerpClient} (one connection: upgrade, handshake, frames
 * to a {@code Listener}), {@link io.weft.derp.client.RegionClient} (stays connected to a region,
 * reconnecting with {@link io.weft.derp.client.Backoff} and failing over). Sources: tailscale.com
 * v1.102.5 {@code derp/derp_client.go}:107-660, {@code derp/derphttp/derphttp_client.go}:279,
 * 505-560, 640-680.
 */
package io.weft.derp.client;
