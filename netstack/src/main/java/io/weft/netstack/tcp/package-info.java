/**
 * TCP connections in the shape of smoltcp's {@code socket::tcp}: a
 * {@link io.weft.netstack.tcp.TcpSocket} per connection, a {@link io.weft.netstack.tcp.TcpListener}
 * per passive open, and the RFC 6298 {@link io.weft.netstack.tcp.RttEstimator}. Congestion control
 * lives in {@code tcp.cc}.
 *
 * <p>What is implemented, and where it is specified:
 * <ul>
 *   <li>State machine and names: RFC 9293 section 3.3.2; event processing section 3.10 (OPEN
 *       3.10.1, SEND 3.10.2, RECEIVE 3.10.3, CLOSE 3.10.4, ABORT 3.10.5, SEGMENT ARRIVES 3.10.7
 *       with its CLOSED/LISTEN/SYN-SENT/other-states subsections, timeouts 3.10.8).</li>
 *   <li>Sequence arithmetic and acceptability: RFC 9293 sections 3.4 and 3.10.7.4 (the four
 *       cases of the acceptability test).</li>
 *   <li>Simultaneous open and close: RFC 9293 section 3.5 (Figure 8) and 3.6 (Figure 13).</li>
 *   <li>Reset generation and processing: RFC 9293 section 3.5.2 and 3.5.3; RST and SYN in
 *       synchronized states answered with challenge ACKs as RFC 9293 section 3.10.7.4 allows,
 *       following RFC 5961 sections 3.2 and 4.2.</li>
 *   <li>TIME_WAIT for 2 MSL: RFC 9293 section 3.6.1.</li>
 *   <li>MSS option and the 536/1220-byte defaults: RFC 9293 section 3.7.1; effective send MSS
 *       reduced by the timestamps option: RFC 9293 section 3.7.1 and RFC 7323 section 3.</li>
 *   <li>Nagle's algorithm (switchable): RFC 9293 section 3.7.4; sender and receiver silly window
 *       syndrome avoidance: section 3.8.6.2.</li>
 *   <li>Zero-window probing with exponential backoff: RFC 9293 section 3.8.6.1. The probe is
 *       a zero-length segment at SND.UNA - 1, as Linux sends, which any receiver must ACK with
 *       its current window.</li>
 *   <li>Delayed ACKs (at most 40 ms, every second full segment acknowledged at once): RFC 9293
 *       section 3.8.6.3; immediate ACKs for out-of-order data and for data that fills a hole:
 *       RFC 5681 section 4.2.</li>
 *   <li>Retransmission timer: RFC 6298 sections 2 (SRTT, RTTVAR, RTO with alpha 1/8, beta 1/4,
 *       K = 4), 3 (Karn's algorithm: no samples from retransmitted segments), 5 (timer management
 *       and backoff). The minimum RTO defaults to 200 ms as in Linux rather than section 2.4's
 *       1 s; it is a {@link io.weft.netstack.tcp.TcpConfig} field. On expiry the sender goes back
 *       to SND.UNA (go-back-N), keeping SND.MAX so later ACKs above SND.NXT stay acceptable.</li>
 *   <li>Fast retransmit and NewReno fast recovery: RFC 5681 section 3.2 and RFC 6582 section 3.2
 *       (the "recover" variable, partial ACKs retransmitting the next hole, the Impatient timer
 *       reset). Limited Transmit (RFC 3042 section 2) and segment-based Early Retransmit
 *       (RFC 5827 section 3.1) let small windows recover without a timeout.</li>
 *   <li>Window scaling: RFC 7323 section 2 (shift from the SYN only, never applied to SYN
 *       windows, at most 14). Timestamps: RFC 7323 section 3 (TSval/TSecr), section 4 (RTT
 *       measurement from TSecr), section 4.3 (TS.Recent update rule) and section 5 (PAWS).</li>
 *   <li>SACK: SACK-permitted negotiation RFC 2018 section 2; the receiver reports out-of-order
 *       blocks, the most recent first, on its ACKs (RFC 2018 sections 3 and 4). The sender keeps a
 *       scoreboard of SACKed ranges and, during fast recovery, retransmits each hole below the
 *       highest SACKed byte once (RFC 6675 section 4 NextSeg rule 1, HighRxt) while a byte-based
 *       pipe stays below ssthresh (section 5). Rules 2 to 4, rescue retransmissions and
 *       SACK-triggered entry into recovery are not implemented; the scoreboard is cleared on a
 *       timeout (section 5.1).</li>
 * </ul>
 *
 * <p>Buffers default to 4 MiB each way (window scale 7); their arrays start at 64 KiB and double
 * as a connection needs them. Steady-state segment handling allocates nothing:
 * incoming segments are read through flyweights and outgoing ones written into the interface's
 * buffer.
 */
package io.weft.netstack.tcp;
