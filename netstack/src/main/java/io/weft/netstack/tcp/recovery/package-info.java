/**
 * TCP loss recovery, one mechanism beside congestion control ({@code tcp.cc}): what is lost, what
 * may be sent while recovering, and when to probe. {@link
 * io.weft.netstack.tcp.recovery.LossRecovery} is the connection's side of it (it reads the send
 * sequence variables through {@link io.weft.netstack.tcp.recovery.LossRecovery.Connection}); the
 * {@code Scoreboard} is its record of every segment between SND.UNA and SND.MAX.
 *
 * <ul>
 *   <li>The scoreboard: each segment with its send time and SACKED/LOST/RETRANSMITTED marks (RFC
 *       6675 section 3); SACK marks survive a timeout (RFC 6675 section 5.1) unless the receiver
 *       reneged (RFC 2018 section 8); the pipe is outstanding minus SACKed minus lost-not-resent
 *       (RFC 6675 section 4, in bytes).
 *   <li>With SACK, RACK loss detection by time (RFC 8985 section 6) and tail loss probes (RFC 8985
 *       section 7), with the deviations the {@code tcp} package documentation lists.
 *   <li>Without SACK, fast retransmit on duplicate ACKs (RFC 5681 section 3.2), NewReno partial
 *       ACKs with "recover" (RFC 6582 section 3.2), Limited Transmit (RFC 3042 section 2) and
 *       segment-based Early Retransmit (RFC 5827 section 3.1).
 *   <li>Proportional rate reduction during recovery (RFC 6937 section 3.1, PRR-SSRB); one window
 *       reduction per episode; after a retransmission timeout the lost segments go first (RFC 6675
 *       NextSeg rule 1, RFC 8985 section 6.3).
 * </ul>
 *
 * <p>Allocation-free: the scoreboard is a ring of primitive arrays that doubles and never shrinks.
 */
package io.weft.netstack.tcp.recovery;
