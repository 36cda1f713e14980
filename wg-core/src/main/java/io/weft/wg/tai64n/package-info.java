/**
 * TAI64N timestamps as carried, encrypted, in the handshake initiation.
 *
 * <p>The WireGuard paper (sections 5.1 and 5.4.2) puts a 12-byte TAI64N timestamp in the first
 * handshake message; the responder keeps the greatest one it accepted from each peer and drops
 * any initiation that is not strictly newer, which stops replayed initiations. The format is
 * D. J. Bernstein's TAI64N (cr.yp.to/libtai/tai64.html): a big-endian 64-bit label, then
 * big-endian nanoseconds. Like wireguard-go's {@code tai64n/tai64n.go} and the Linux
 * implementation, the label is 2<sup>62</sup> + 10 + Unix seconds (so only the order of
 * timestamps matters, not that the offset is the historical TAI-UTC difference), and the
 * nanoseconds are rounded down to a multiple of 2<sup>24</sup> ns (about 16.8 ms): the largest
 * power of two under the 20 ms between the 50 initiations a second allowed anyway, so the
 * timestamp reveals nothing finer about the sender's clock.
 */
package io.weft.wg.tai64n;
