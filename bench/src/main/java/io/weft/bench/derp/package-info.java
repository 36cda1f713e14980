/**
 * Load for DERP relays: {@link io.weft.bench.derp.RelayLoad} drives Weft's relay and Tailscale's
 * derper side by side from {@code bench/derp-vs-derper.sh}.
 */
package io.weft.bench.derp;
