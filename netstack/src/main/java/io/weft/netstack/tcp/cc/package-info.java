/**
 * Congestion control behind one interface, {@link io.weft.netstack.tcp.cc.CongestionControl}, so
 * algorithms can be swapped per connection.
 *
 * <p>{@link io.weft.netstack.tcp.cc.NewReno}: slow start and congestion avoidance of RFC 5681
 * section 3.1 (with appropriate byte counting, RFC 3465, limited to 2 SMSS per ACK in slow start),
 * the fast recovery window arithmetic of RFC 6582 section 3.2 (steps 3 to 5), and the loss window
 * of one segment after a retransmission timeout (RFC 5681 section 3.1, equation 4). The initial
 * window is 10 segments (RFC 6928 section 2). The loss detection itself (duplicate ACK counting,
 * "recover", partial ACKs) lives in the socket, which calls into this package.
 *
 * <p>{@link io.weft.netstack.tcp.cc.Cubic}: RFC 9438 (window function section 4.2, Reno-friendly
 * region 4.3, concave and convex regions 4.4 and 4.5, multiplicative decrease 4.6, fast convergence
 * 4.7, timeout 4.8; C = 0.4 and beta = 0.7 from section 5).
 */
package io.weft.netstack.tcp.cc;
