/**
 * A per-source token bucket for handshake messages.
 *
 * <p>The WireGuard paper (section 5.3, denial-of-service mitigation) answers initiations with
 * cookie replies when under load, so that a responder only spends Curve25519 work on sources that
 * proved they can receive at their address; the implementations then limit how many handshake
 * messages each such source may cause per second. {@link io.weft.wg.ratelimit.HandshakeRateLimiter}
 * follows the token bucket of wireguard-go's {@code ratelimiter/ratelimiter.go} and the Linux
 * {@code ratelimiter.c}: 20 packets a second with a burst of 5, the burst folded into the bucket's
 * capacity, entries dropped after a second idle. Two choices come from the Linux version rather
 * than wireguard-go: IPv6 sources are limited per /64 (one host usually holds a whole /64, so
 * per-address limits would be no limit), and the table has a fixed size beyond which new sources
 * are refused rather than remembered. A packet is allowed while at least one packet's worth of
 * tokens remains (Linux compares with {@code >=}; wireguard-go's {@code >} needs time to pass
 * between the packets of a burst).
 */
package io.weft.wg.ratelimit;
