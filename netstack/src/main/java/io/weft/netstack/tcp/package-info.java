/**
 * TCP connections in the shape of smoltcp's {@code socket::tcp}: a {@link
 * io.weft.netstack.tcp.TcpSocket} per connection, a {@link io.weft.netstack.tcp.TcpListener} per
 * passive open, and the RFC 6298 {@link io.weft.netstack.tcp.RttEstimator}. Congestion control
 * lives in {@code tcp.cc}, loss recovery (scoreboard, RACK-TLP, PRR, NewReno) in {@code
 * tcp.recovery}. A connection is split by flow over its control block ({@code TcpControlBlock}, RFC
 * 9293 section 3.3.1): {@code TcpInput} (SEGMENT ARRIVES, section 3.10.7, one method per step),
 * {@code TcpOutput} (segments out) and {@code TcpSocket} (timers, user calls).
 *
 * <p>What is implemented, and where it is specified:
 *
 * <ul>
 *   <li>State machine and names: RFC 9293 section 3.3.2; event processing section 3.10 (OPEN
 *       3.10.1, SEND 3.10.2, RECEIVE 3.10.3, CLOSE 3.10.4, ABORT 3.10.5, SEGMENT ARRIVES 3.10.7
 *       with its CLOSED/LISTEN/SYN-SENT/other-states subsections, timeouts 3.10.8).
 *   <li>Sequence arithmetic and acceptability: RFC 9293 sections 3.4 and 3.10.7.4 (the four cases
 *       of the acceptability test).
 *   <li>Simultaneous open and close: RFC 9293 section 3.5 (Figure 8) and 3.6 (Figure 13).
 *   <li>Reset generation and processing: RFC 9293 section 3.5.2 and 3.5.3; RST and SYN in
 *       synchronized states answered with challenge ACKs as RFC 9293 section 3.10.7.4 allows,
 *       following RFC 5961 sections 3.2 and 4.2.
 *   <li>TIME_WAIT for 2 MSL: RFC 9293 section 3.6.1.
 *   <li>MSS option and the 536/1220-byte defaults: RFC 9293 section 3.7.1; effective send MSS
 *       reduced by the timestamps option: RFC 9293 section 3.7.1 and RFC 7323 section 3.
 *   <li>Nagle's algorithm (switchable): RFC 9293 section 3.7.4; sender and receiver silly window
 *       syndrome avoidance: section 3.8.6.2.
 *   <li>Zero-window probing with exponential backoff: RFC 9293 section 3.8.6.1. The probe is a
 *       zero-length segment at SND.UNA - 1, as Linux sends, which any receiver must ACK with its
 *       current window.
 *   <li>Delayed ACKs (at most 40 ms, every second full segment acknowledged at once): RFC 9293
 *       section 3.8.6.3; immediate ACKs for out-of-order data and for data that fills a hole: RFC
 *       5681 section 4.2.
 *   <li>Retransmission timer: RFC 6298 sections 2 (SRTT, RTTVAR, RTO with alpha 1/8, beta 1/4, K =
 *       4), 3 (Karn's algorithm: no samples from retransmitted segments), 5 (timer management and
 *       backoff). The minimum RTO defaults to 200 ms as in Linux rather than section 2.4's 1 s; it
 *       is a {@link io.weft.netstack.tcp.TcpConfig} field. On expiry the first outstanding segment,
 *       and every other one not SACKed that has been out longer than an RTT, is marked lost and
 *       resent as the (one-segment) window allows (RFC 8985 section 6.3); SND.NXT never moves back.
 *   <li>The scoreboard ({@code tcp.recovery.Scoreboard}): every segment between SND.UNA and SND.MAX
 *       with its send time and SACKED/LOST/RETRANSMITTED marks (RFC 6675 section 3). SACK marks
 *       survive a timeout (RFC 6675 section 5.1), so SACKed data is not sent again, unless the
 *       receiver evidently reneged (RFC 2018 section 8: the segment at SND.UNA is marked SACKed),
 *       when all marks are dropped. The pipe is outstanding minus SACKed minus lost-not-resent (RFC
 *       6675 section 4, in bytes).
 *   <li>With SACK, loss is detected by time (RACK, RFC 8985 section 6): a segment sent before the
 *       most recently sent one the peer delivered, and not delivered itself within RACK.rtt plus a
 *       reordering window (min_RTT / 4; zero in recovery or after three SACKed segments unless the
 *       path reordered), is lost; a reordering timer covers the rest. A lost retransmission is
 *       found the same way. Tail loss probes (RFC 8985 section 7): after PTO = 2 * SRTT (at least 2
 *       ms; plus 40 ms of delayed ACK when one segment is out) one new segment, or the last one
 *       again, draws the ACK that lets RACK work; a retransmitted probe acknowledged without a
 *       D-SACK counts as a repaired loss (one window reduction). Deviations, for small windows
 *       under heavy random loss: probes are also sent during recovery (resending the oldest segment
 *       not SACKed), and an unanswered probe gets a second one after twice the timeout before the
 *       RTO may fire. The delayed-ACK allowance is 40 ms, not 200 ms.
 *   <li>Without SACK: fast retransmit on the third duplicate ACK and NewReno partial ACKs (RFC 5681
 *       section 3.2, RFC 6582 section 3.2 with "recover"); Limited Transmit (RFC 3042 section 2)
 *       and segment-based Early Retransmit (RFC 5827 section 3.1).
 *   <li>Recovery sends by proportional rate reduction (RFC 6937 section 3.1, PRR-SSRB): each ACK
 *       lets out as much as it reports delivered, scaled by ssthresh / RecoverFS while the pipe is
 *       above ssthresh; the first retransmission goes at once. One window reduction per episode;
 *       recovery ends when SND.UNA passes the highest sequence sent when it began.
 *   <li>Window scaling: RFC 7323 section 2 (shift from the SYN only, never applied to SYN windows,
 *       at most 14). Timestamps: RFC 7323 section 3 (TSval/TSecr), section 4 (RTT measurement from
 *       TSecr), section 4.3 (TS.Recent update rule) and section 5 (PAWS).
 *   <li>SACK: SACK-permitted negotiation RFC 2018 section 2; the receiver reports out-of-order
 *       blocks, the most recent first, on its ACKs (RFC 2018 sections 3 and 4), and a D-SACK block
 *       for a segment that arrived twice (RFC 2883 section 4).
 *   <li>Segmentation offload: when the link's sink takes packets above the MTU ({@link
 *       io.weft.netstack.phy.PacketSink#maxSegmentedPacket}), new data leaves in whole multiples of
 *       the MSS up to that size, for the sink (a TUN with a virtio header) to cut; incoming
 *       segments of any size up to the receive window are accepted.
 * </ul>
 *
 * <p>Buffers default to 4 MiB each way (window scale 7); their arrays start at 64 KiB and double as
 * a connection needs them. Steady-state segment handling allocates nothing: incoming segments are
 * read through flyweights and outgoing ones written into the interface's buffer.
 */
package io.weft.netstack.tcp;
