/**
 * Congestion control behind one interface, {@link io.weft.netstack.tcp.cc.CongestionControl}, so
 * algorithms can be swapped per connection.
 *
 * <p>{@link io.weft.netstack.tcp.cc.NewReno}: slow start and congestion avoidance of RFC 5681
 * section 3.1 (with appropriate byte counting, RFC 3465, limited to 2 SMSS per ACK in slow
 * start), the fast recovery window arithmetic of RFC 6582 section 3.2 (steps 3 to 5), and the
 * loss window of one segment after a retransmission timeout (RFC 5681 section 3.1, equation 4).
 * The initial window is 10 segments (RFC 6928 section 2). The loss detection itself (duplicate
 * ACK counting, "recover", partial ACKs) lives in the socket, which calls into this package.
 */
package io.weft.netstack.tcp.cc;
