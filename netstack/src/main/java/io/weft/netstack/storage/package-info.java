/**
 * Buffers for socket data: a byte {@link io.weft.netstack.storage.RingBuffer} and an out-of-order
 * {@link io.weft.netstack.storage.Assembler}, in the shape of smoltcp's {@code storage} module.
 *
 * <p>The TCP send buffer holds bytes from SND.UNA on, so retransmission reads at an offset without
 * consuming; the receive buffer accepts bytes beyond its filled part ("unallocated" writes) which
 * the assembler tracks until the hole before them fills (RFC 9293 section 3.10.7.4, seventh step:
 * segments beyond RCV.NXT are held for later processing). The assembler's ranges double as the
 * source of SACK blocks (RFC 2018 section 4).
 */
package io.weft.netstack.storage;
