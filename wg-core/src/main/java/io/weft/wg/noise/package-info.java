/**
 * The WireGuard handshake (paper §5.4, "Messages"): {@link io.weft.wg.noise.Noise} implements
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s with WireGuard's identifier strings, TAI64N replay
 * protection and the 20 ms per-peer flood limit; {@link io.weft.wg.noise.CookieChecker} and {@link
 * io.weft.wg.noise.CookieGenerator} implement mac1, mac2 and cookie replies (§5.3, §5.4.7). The
 * reference for details not in the paper is wireguard-go's {@code noise-protocol.go} and {@code
 * cookie.go}.
 */
package io.weft.wg.noise;
