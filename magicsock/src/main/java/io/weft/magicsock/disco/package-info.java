/**
 * Disco, Tailscale's path-discovery protocol, on the wire: the sealed packet ({@link DiscoPacket})
 * and its messages ({@link DiscoMessage}: ping, pong, call-me-maybe). Parsers never throw: a
 * datagram that is not disco, does not open, or does not parse is counted ({@link DiscoCounters})
 * and dropped.
 *
 * <p>Facts from Tailscale (read, not copied), at the revision of the mirror used:
 *
 * <ul>
 *   <li>{@code disco/disco.go:34-40}: the 6-byte magic {@code TS💬} ({@code 54 53 f0 9f 92 ac}),
 *       32-byte sender key, 24-byte nonce; {@code :44-56} message types and version 0; {@code :119}
 *       a 2-byte message header (type, version).
 *   <li>{@code disco/disco.go:152-169}: ping = tx id 12, node key 32, padding (the rest); older
 *       senders omit the node key.
 *   <li>{@code disco/disco.go:214-239}: call-me-maybe = n × (16-byte address, 2-byte port); a
 *       length not a multiple of 18, an empty list, or a version other than 0 yields no endpoints.
 *   <li>{@code disco/disco.go:253-267}: pong = tx id 12, source address 16 (IPv4 mapped into IPv6),
 *       port 2, big-endian.
 *   <li>The box is NaCl's {@code crypto_box} under the key precomputed from the own disco private
 *       key and the peer's disco public key; Weft's one implementation is {@link
 *       io.weft.derp.wire.NaclBox}.
 * </ul>
 */
package io.weft.magicsock.disco;
