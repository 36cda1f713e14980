/**
 * TAI64N timestamps as carried, encrypted, in the handshake initiation.
 *
 * <p>The WireGuard paper (section 5.4.2, the first handshake message) encrypts a 12-byte TAI64N
 * timestamp into the initiation; the responder keeps the greatest one it accepted from each peer
 * and drops any initiation that is not strictly newer, which stops replayed initiations. The format
 * is D. J. Bernstein's TAI64N (cr.yp.to/libtai/tai64.html): a big-endian 64-bit label, then
 * big-endian nanoseconds. As in wireguard-go's {@code tai64n/tai64n.go} and the Linux
 * implementation, the label is 2<sup>62</sup> + 10 + Unix seconds, with no leap-second table: peers
 * only compare timestamps from the same sender, so only their order matters. The nanoseconds are
 * rounded down to a multiple of 2<sup>24</sup> ns (about 16.8 ms), the largest power of two within
 * the 20 ms between the 50 initiations a second a peer may send anyway, so the timestamp tells an
 * observer of the decrypted message nothing finer about the sender's clock.
 */
package io.weft.wg.tai64n;
