/**
 * Flyweights over {@link java.nio.ByteBuffer} for the packet formats the stack speaks.
 *
 * <p>Every flyweight follows one pattern: {@code wrap(buffer, offset, length)} points it at bytes
 * it does not own, {@code checkLength()} validates the header against the bytes present and returns
 * a {@link io.weft.netstack.wire.WireStatus} code (never throws), and afterwards every accessor
 * reads inside the checked range and cannot fail. Setters are for emitting packets into buffers the
 * stack owns. Buffers must be in network (big-endian) byte order, the {@code ByteBuffer} default.
 *
 * <p>Formats and sections:
 *
 * <ul>
 *   <li>IPv4 header: RFC 791 section 3.1; fragmentation fields section 2.3.
 *   <li>IPv6 header and extension headers: RFC 8200 sections 3 and 4 (4.5 fragment header); the
 *       upper-layer checksum pseudo-header: RFC 8200 section 8.1.
 *   <li>ICMPv4 echo: RFC 792 ("Echo or Echo Reply Message"); ICMPv6 echo: RFC 4443 section 4.
 *   <li>UDP: RFC 768 (checksum zero means "none" over IPv4; over IPv6 it is mandatory, RFC 8200
 *       section 8.1).
 *   <li>TCP header: RFC 9293 section 3.1; MSS option RFC 9293 section 3.7.1; window scale and
 *       timestamps options RFC 7323 sections 2.2 and 3.2; SACK-permitted and SACK options RFC 2018
 *       sections 2 and 3.
 *   <li>The internet checksum: RFC 1071 (sums of 32-bit words fold to the same 16-bit result).
 * </ul>
 */
package io.weft.netstack.wire;
