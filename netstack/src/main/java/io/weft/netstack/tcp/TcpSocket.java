package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.SeqNum.ge;
import static io.weft.netstack.tcp.SeqNum.gt;
import static io.weft.netstack.tcp.SeqNum.le;
import static io.weft.netstack.tcp.SeqNum.lt;

import io.weft.netstack.storage.Assembler;
import io.weft.netstack.storage.RingBuffer;
import io.weft.netstack.tcp.cc.CongestionControl;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import java.nio.ByteBuffer;

/**
 * One TCP connection: the transmission control block and the event processing of RFC 9293
 * section 3.10. Not thread-safe: the interface calls {@link #process} and {@link #dispatch} and
 * users call {@link #send}/{@link #recv} under one lock.
 *
 * <p>The input half ({@link #process}) follows section 3.10.7 check by check. The output half
 * ({@link #dispatch}) writes at most one segment per call into a caller buffer: a SYN, a
 * retransmission of a segment the {@link Scoreboard} marks lost, a tail loss probe, new data
 * (sender SWS avoidance and Nagle, section 3.7.4 and 3.8.6.2.1; several MSS at once when the
 * buffer is larger than the MTU), a FIN, a zero-window probe (section 3.8.6.1) or a pure ACK
 * (delayed per section 3.8.6.3). Timers ({@link #onTimer}) cover retransmission (RFC 6298
 * section 5), RACK's reordering window and the probe timeout (RFC 8985), persist, delayed ACK and
 * TIME_WAIT. Loss recovery is described in the package documentation.
 */
public final class TcpSocket {
    /** Deadline value meaning "not armed". */
    public static final long NEVER = Long.MAX_VALUE;

    // Specification constants.
    /** Default send MSS when the peer sent no MSS option: RFC 9293 section 3.7.1 (MUST-15). */
    private static final int DEFAULT_MSS_V4 = 536;
    private static final int DEFAULT_MSS_V6 = 1220;
    /** Duplicate ACKs that trigger fast retransmit (RFC 5681 section 3.2). */
    private static final int DUPACK_THRESHOLD = 3;
    /** Bytes of a timestamps option with its two NOPs (RFC 7323 appendix A layout). */
    private static final int TIMESTAMPS_OPTION_LENGTH = 12;
    /**
     * The delayed ACK a probe for a single outstanding segment allows for. RFC 8985 section 7.2
     * suggests 200 ms (WCDelAckT); Linux and this stack delay ACKs by at most 40 ms, and a probe
     * sent too early costs one segment (answered with a D-SACK, so no window reduction), while one
     * sent at 200 ms is no better than the retransmission timer.
     */
    private static final long WORST_CASE_DELAYED_ACK_NANOS = 40_000_000L;
    /** RFC 8985 section 7.2: the PTO when there is no RTT sample. */
    private static final long INITIAL_PTO_NANOS = 1_000_000_000L;

    // Loss states.
    private static final int OPEN = 0;
    private static final int RECOVERY = 1;
    private static final int LOSS = 2;

    // Implementation constants.
    /** A full-sized segment every this many triggers an immediate ACK (RFC 9293 section 3.8.6.3, SHLD-19). */
    private static final int ACK_EVERY_SEGMENTS = 2;
    /** Shortest probe timeout; the timestamps clock ticks in milliseconds (Linux uses two ticks). */
    private static final long MIN_PTO_NANOS = 2_000_000L;
    /** Probes (each after twice the previous timeout) before the retransmission timer may expire. */
    private static final int MAX_PROBES = 2;

    private final TcpConfig config;
    private final IpAddress localAddress;
    private final IpAddress remoteAddress;
    private final int localPort;
    private final int remotePort;
    private final int localMss;
    private final TcpListener parent;
    private final RingBuffer tx;
    private final RingBuffer rx;
    private final Assembler outOfOrder = new Assembler(32);
    private final RttEstimator rtt;
    private final TcpOptions txOptions = new TcpOptions();
    private final TcpPacket txSegment = new TcpPacket();
    private final int tsOffset;

    private TcpState state = TcpState.CLOSED;
    private TcpError error = TcpError.NONE;
    private CongestionControl cc;

    // Send sequence variables (RFC 9293 section 3.3.1), plus SND.MAX: the highest sequence sent.
    private int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    private int sndWnd;
    private int sndWl1;
    private int sndWl2;
    private int maxSndWnd;
    private int sndShift;
    private int sendMss;
    private boolean synAcked;
    private boolean closeRequested;
    /** The application closed both directions and will not read again. */
    private boolean orphaned;
    private boolean finSent;
    private boolean finEverSent;
    private int finSeq;

    // Receive sequence variables.
    private int irs;
    private int rcvNxt;
    private int rcvShift;
    private int lastAdvertisedWindow;
    private boolean peerFinSeen;
    private int peerFinSeq;
    private boolean finReceived;
    private int lastOutOfOrderOffset = -1;
    /** A duplicate segment to report in the next ACK's first SACK block (RFC 2883 section 4). */
    private boolean dsackDue;
    private int dsackLeft;
    private int dsackRight;

    // Options in force.
    private boolean timestamps;
    private boolean sack;
    private boolean windowScaleAgreed;
    private int tsRecent;
    private int lastAckSent;

    // Output triggers.
    private boolean synDue;
    private boolean ackNow;
    private boolean ackPending;
    private int segmentsSinceAck;
    private boolean probeDue;
    private boolean rstDue;
    private int rstSeq;
    private int ipIdentification;

    // Timers.
    private long rtoDeadline = NEVER;
    private long ackDeadline = NEVER;
    private long persistDeadline = NEVER;
    private long persistInterval;
    private long timeWaitDeadline = NEVER;
    private int retransmits;

    // RTT sampling without timestamps (Karn: only segments never retransmitted).
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;

    // Loss recovery: a per-segment scoreboard (RFC 6675) with RACK-TLP loss detection (RFC 8985)
    // when SACK is in use, duplicate ACKs and NewReno partial ACKs (RFC 6582) without it, and
    // proportional rate reduction (RFC 6937) while recovering.
    private final Scoreboard scoreboard = new Scoreboard();
    /** OPEN, RECOVERY (fast recovery) or LOSS (after a retransmission timeout). */
    private int lossState = OPEN;
    private int dupAcks;
    private int recover;
    private int prrDelivered;
    private int prrOut;
    private int recoverFs;
    /** The congestion window PRR allows during recovery (pipe + sndcnt, RFC 6937 section 3.1). */
    private int prrCwnd;
    private long rackDeadline = NEVER;
    private long tlpDeadline = NEVER;
    private boolean tlpDue;
    /** The timer expired: the first lost segment goes out whatever the window (RFC 6298 section 5.4). */
    private boolean rtoRetransmitDue;
    private boolean tlpActive;
    /** Probes sent since the last ACK that delivered data. */
    private int probesSent;
    private boolean tlpRetransmitted;
    private int tlpEnd;

    private long retransmittedSegments;
    private long retransmissionTimeouts;
    private long tailLossProbes;
    private long recoveryEpisodes;
    private Object attachment;

    private TcpSocket(TcpConfig config, IpAddress localAddress, int localPort, IpAddress remoteAddress,
            int remotePort, int localMss, TcpListener parent, int iss, int tsOffset) {
        this.config = config;
        this.localAddress = localAddress;
        this.localPort = localPort;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
        this.localMss = localMss;
        this.parent = parent;
        this.tx = new RingBuffer(config.sendBufferSize());
        this.rx = new RingBuffer(config.receiveBufferSize());
        this.rtt = new RttEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
        this.tsOffset = tsOffset;
        this.iss = iss;
        this.sndUna = iss;
        this.sndNxt = iss;
        this.sndMax = iss;
        this.recover = iss;
        this.sendMss = Math.min(localMss, remoteAddress.isV4() ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6);
        this.cc = config.congestionControl().apply(sendMss);
    }

    /**
     * An active open (RFC 9293 section 3.10.1): the socket starts in SYN_SENT and its first
     * {@link #dispatch} sends the SYN.
     *
     * @param localMss the largest segment payload the local link carries (MTU - IP - 20)
     */
    public static TcpSocket connect(TcpConfig config, IpAddress localAddress, int localPort, IpAddress remoteAddress,
            int remotePort, int localMss, int iss, int tsOffset) {
        TcpSocket s = new TcpSocket(config, localAddress, localPort, remoteAddress, remotePort, localMss, null, iss,
                tsOffset);
        s.state = TcpState.SYN_SENT;
        s.rcvShift = config.receiveWindowShift();
        s.synDue = true;
        return s;
    }

    /**
     * A connection created by a SYN that arrived at {@code listener} (RFC 9293 section 3.10.7.2):
     * starts in SYN_RECEIVED with the SYN-ACK due.
     */
    public static TcpSocket accept(TcpListener listener, IpAddress localAddress, IpAddress remoteAddress, int localMss,
            int iss, int tsOffset, TcpPacket syn, TcpOptions options) {
        TcpSocket s = new TcpSocket(listener.config(), localAddress, syn.destinationPort(), remoteAddress,
                syn.sourcePort(), localMss, listener, iss, tsOffset);
        s.state = TcpState.SYN_RECEIVED;
        s.irs = syn.sequence();
        s.rcvNxt = s.irs + 1;
        s.applySynOptions(options);
        s.sndWnd = syn.window();
        s.maxSndWnd = s.sndWnd;
        s.sndWl1 = syn.sequence();
        s.sndWl2 = s.iss;
        s.synDue = true;
        listener.onHalfOpen();
        return s;
    }

    // ----------------------------------------------------------------------------------------
    // Segment arrival (RFC 9293 section 3.10.7)
    // ----------------------------------------------------------------------------------------

    /** Processes one incoming segment addressed to this connection; options already parsed. */
    public void process(long now, TcpPacket seg, TcpOptions opts) {
        switch (state) {
            case CLOSED, LISTEN -> {
                return;
            }
            case SYN_SENT -> {
                processSynSent(now, seg, opts);
                return;
            }
            default -> {
            }
        }
        final int flags = seg.flags();
        final int seq = seg.sequence();
        final boolean rst = (flags & TcpPacket.RST) != 0;

        // SYN_RECEIVED: a repeated SYN means our SYN-ACK was lost; a SYN-ACK is a simultaneous open.
        if (state == TcpState.SYN_RECEIVED && (flags & TcpPacket.SYN) != 0 && seq == irs && !rst) {
            if ((flags & TcpPacket.ACK) != 0 && seg.acknowledgment() == iss + 1) {
                establish(now, seg);
                ackNow = true;
            } else {
                synDue = true;
            }
            return;
        }

        // First: sequence number acceptability, with PAWS (RFC 7323 section 5.3) in front.
        if (timestamps && opts.timestamps && !rst && lt(opts.tsVal, tsRecent)) {
            ackNow = true;
            return;
        }
        if (!acceptable(seq, seg.segmentLength())) {
            if (!rst) {
                ackNow = true;
                if (sack && seg.payloadLength() > 0 && le(seq + seg.payloadLength(), rcvNxt)) {
                    // All of it arrived before: a D-SACK tells the sender its copy was spurious.
                    dsackDue = true;
                    dsackLeft = seq;
                    dsackRight = seq + seg.payloadLength();
                }
                if (state == TcpState.TIME_WAIT) {
                    timeWaitDeadline = now + config.timeWaitNanos();
                }
            }
            return;
        }
        if (timestamps && opts.timestamps && le(seq, lastAckSent) && ge(opts.tsVal, tsRecent)) {
            tsRecent = opts.tsVal;
        }

        // Second: RST, accepted only at exactly RCV.NXT, else a challenge ACK (RFC 5961 section 3.2).
        if (rst) {
            if (seq != rcvNxt) {
                ackNow = true;
                return;
            }
            if (state == TcpState.SYN_RECEIVED && parent != null) {
                parent.onHalfOpenFailed();
                enterClosed(TcpError.NONE);
            } else if (state == TcpState.CLOSING || state == TcpState.LAST_ACK || state == TcpState.TIME_WAIT) {
                enterClosed(TcpError.NONE);
            } else {
                enterClosed(TcpError.RESET);
            }
            return;
        }

        // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 section 4).
        if ((flags & TcpPacket.SYN) != 0) {
            ackNow = true;
            return;
        }

        // Fifth: ACK.
        if ((flags & TcpPacket.ACK) == 0) {
            return;
        }
        final int ack = seg.acknowledgment();
        if (state == TcpState.SYN_RECEIVED) {
            if (gt(ack, sndUna) && le(ack, sndNxt)) {
                establish(now, seg);
            } else {
                sendReset(ack);
                return;
            }
        }
        if (gt(ack, sndMax)) {
            ackNow = true;
            return;
        }
        final boolean duplicateCandidate = ack == sndUna && seg.payloadLength() == 0
                && (flags & (TcpPacket.SYN | TcpPacket.FIN)) == 0 && sndMax != sndUna
                && (seg.window() << sndShift) == sndWnd;
        onAcknowledgment(now, ack, opts, duplicateCandidate);
        if (lt(sndWl1, seq) || (sndWl1 == seq && le(sndWl2, ack))) {
            sndWnd = seg.window() << sndShift;
            sndWl1 = seq;
            sndWl2 = ack;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            if (sndWnd > 0) {
                persistDeadline = NEVER;
            }
        }
        final boolean finAcked = finEverSent && ge(sndUna, finSeq + 1);
        switch (state) {
            case FIN_WAIT_1 -> {
                if (finAcked) {
                    state = TcpState.FIN_WAIT_2;
                }
            }
            case CLOSING -> {
                if (finAcked) {
                    enterTimeWait(now);
                }
            }
            case LAST_ACK -> {
                if (finAcked) {
                    enterClosed(TcpError.NONE);
                    return;
                }
            }
            default -> {
            }
        }

        // Seventh: segment text.
        if (seg.payloadLength() > 0) {
            if (state.receivesData()) {
                receiveText(now, seq, seg);
                if (state == TcpState.CLOSED) {
                    return;
                }
            } else {
                ackNow = true;
            }
        }

        // Eighth: FIN, processed once all data before it has arrived.
        if ((flags & TcpPacket.FIN) != 0) {
            peerFinSeen = true;
            peerFinSeq = seq + seg.payloadLength();
        }
        if (peerFinSeen && !finReceived && rcvNxt == peerFinSeq) {
            onFin(now);
        }
    }

    private void processSynSent(long now, TcpPacket seg, TcpOptions opts) {
        final int flags = seg.flags();
        final boolean hasAck = (flags & TcpPacket.ACK) != 0;
        final int ack = seg.acknowledgment();
        if (hasAck && (le(ack, iss) || gt(ack, sndNxt))) {
            if ((flags & TcpPacket.RST) == 0) {
                sendReset(ack);
            }
            return;
        }
        if ((flags & TcpPacket.RST) != 0) {
            if (hasAck) {
                enterClosed(TcpError.REFUSED);
            }
            return;
        }
        if ((flags & TcpPacket.SYN) == 0) {
            return;
        }
        irs = seg.sequence();
        rcvNxt = irs + 1;
        applySynOptions(opts);
        sndWnd = seg.window();
        maxSndWnd = sndWnd;
        sndWl1 = irs;
        sndWl2 = ack;
        if (hasAck) {
            if (timestamps && opts.timestamps && opts.tsEcr != 0) {
                rtt.sample((tsNow(now) - opts.tsEcr) * 1_000_000L);
            } else if (retransmits == 0 && rttTiming) {
                rtt.sample(now - rttStart);
            }
            rttTiming = false;
            sndUna = ack;
            synAcked = true;
            retransmits = 0;
            rtoDeadline = NEVER;
            state = closeRequested ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
            ackNow = true;
        } else {
            // Simultaneous open (RFC 9293 section 3.5, Figure 8).
            state = TcpState.SYN_RECEIVED;
            synDue = true;
        }
    }

    private void applySynOptions(TcpOptions o) {
        final int peerMss = o.mss != 0 ? o.mss : (remoteAddress.isV4() ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6);
        windowScaleAgreed = config.windowScaling() && o.windowScale >= 0;
        if (windowScaleAgreed) {
            sndShift = o.windowScale;
            rcvShift = config.receiveWindowShift();
        } else {
            sndShift = 0;
            rcvShift = 0;
        }
        timestamps = config.timestamps() && o.timestamps;
        if (timestamps) {
            tsRecent = o.tsVal;
        }
        sack = config.sack() && o.sackPermitted;
        sendMss = Math.max(Math.min(peerMss, localMss) - (timestamps ? TIMESTAMPS_OPTION_LENGTH : 0), 64);
        cc.setMss(sendMss);
    }

    private void establish(long now, TcpPacket seg) {
        state = closeRequested ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
        sndWnd = seg.window() << sndShift;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seg.sequence();
        sndWl2 = seg.acknowledgment();
        if (retransmits == 0 && rttTiming) {
            rtt.sample(now - rttStart);
        }
        rttTiming = false;
        sndUna = iss + 1;
        synAcked = true;
        retransmits = 0;
        rtoDeadline = sndMax != sndUna ? now + rtt.rto() : NEVER;
        if (parent != null) {
            parent.onEstablished(this);
        }
    }

    private boolean acceptable(int seq, int segLen) {
        final int window = rx.free();
        if (segLen == 0) {
            return window == 0 ? seq == rcvNxt : SeqNum.inWindow(seq, rcvNxt, window);
        }
        if (window == 0) {
            return false;
        }
        return SeqNum.inWindow(seq, rcvNxt, window) || SeqNum.inWindow(seq + segLen - 1, rcvNxt, window);
    }

    /**
     * The ACK field of an acceptable segment: cumulative acknowledgment, SACK blocks, loss
     * detection, the rate reduction of recovery and the tail loss probe's outcome.
     */
    private void onAcknowledgment(long now, int ack, TcpOptions opts, boolean duplicateCandidate) {
        final int unaBefore = sndUna;
        final int sackedBefore = scoreboard.sackedBytes();
        final boolean dsack = sack && opts.sackBlocks > 0 && le(opts.sackRight[0], ack);
        boolean duplicate = false;
        if (gt(ack, sndUna)) {
            onNewAck(now, ack, opts);
        } else if (duplicateCandidate) {
            duplicate = true;
            onDuplicateAck(now);
        }
        if (sack && synAcked && opts.sackBlocks > 0) {
            scoreboard.onSack(opts, sndUna, sndMax, now);
        }
        final int delivered = (sndUna - unaBefore) + (scoreboard.sackedBytes() - sackedBefore)
                + (duplicate && !sack ? sendMss : 0);
        if (sndUna != unaBefore || scoreboard.newlySacked() > 0) {
            detectLosses(now);
        }
        if (lossState == RECOVERY) {
            reduceRate(delivered);
        }
        if (tlpActive && ge(ack, tlpEnd)) {
            // RFC 8985 section 7.4: a retransmitted probe that drew no D-SACK repaired a loss.
            if (tlpRetransmitted && !dsack && lossState == OPEN) {
                cc.onEnterRecovery(now, sndMax - sndUna);
                cc.onExitRecovery(sndMax - sndUna);
            }
            tlpActive = false;
        }
        if (delivered > 0 || sndMax == sndUna) {
            probesSent = 0;
            armProbeTimer(now);
        }
    }

    private void onNewAck(long now, int ack, TcpOptions opts) {
        final int acked = ack - sndUna;
        int dataAcked = acked;
        if (!synAcked) {
            synAcked = true;
            dataAcked--;
        }
        if (finEverSent && ge(ack, finSeq + 1) && lt(sndUna, finSeq + 1)) {
            dataAcked--;
        }
        tx.discard(dataAcked);
        scoreboard.onCumulativeAck(ack, now);
        sndUna = ack;
        if (lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (timestamps && opts.timestamps && opts.tsEcr != 0) {
            rtt.sample((long) (tsNow(now) - opts.tsEcr) * 1_000_000L);
        } else if (rttTiming && ge(ack, rttSeq)) {
            rtt.sample(now - rttStart);
            rttTiming = false;
        }
        retransmits = 0;
        final int outstanding = sndMax - sndUna;
        switch (lossState) {
            case RECOVERY -> {
                if (ge(ack, recover)) {
                    lossState = OPEN;
                    cc.onExitRecovery(outstanding);
                } else if (!sack && scoreboard.count() > 0
                        && (scoreboard.flags(0) & Scoreboard.RETRANSMITTED) == 0) {
                    // Partial ACK (RFC 6582 section 3.2 step 5): the next segment is lost too.
                    scoreboard.markLost(0);
                }
            }
            case LOSS -> {
                cc.onAck(now, acked, outstanding, rtt.srtt());
                if (ge(ack, recover)) {
                    lossState = OPEN;
                }
            }
            default -> cc.onAck(now, acked, outstanding, rtt.srtt());
        }
        dupAcks = 0;
        rtoDeadline = sndMax == sndUna ? NEVER : now + rtt.rto();
    }

    /** Without SACK, duplicate ACKs signal loss (RFC 5681 section 3.2, RFC 6582 section 3.2). */
    private void onDuplicateAck(long now) {
        dupAcks++;
        if (!sack && lossState == OPEN && dupAcks == duplicateAckThreshold() && gt(sndUna, recover)) {
            // RFC 6582 section 3.2 step 2: only when the ACK covers more than "recover".
            scoreboard.markLost(0);
            enterRecovery(now);
        }
    }

    /**
     * RACK loss detection (RFC 8985 section 6.2) after an ACK delivered something or the
     * reordering timer expired; the first loss outside recovery starts recovery.
     */
    private void detectLosses(long now) {
        if (!sack) {
            return;
        }
        final long reoWnd = scoreboard.reorderingWindow(lossState != OPEN, rtt.srtt());
        final long timer = scoreboard.detectLoss(now, reoWnd);
        rackDeadline = timer == Long.MAX_VALUE ? NEVER : timer;
        if (rackDeadline != NEVER) {
            tlpDeadline = NEVER;
        }
        if (scoreboard.lostBytes() > 0 && lossState == OPEN) {
            enterRecovery(now);
        }
    }

    /** Fast recovery begins (RFC 6675 section 5 step 4, RFC 6937 section 3.1 initialization). */
    private void enterRecovery(long now) {
        lossState = RECOVERY;
        recoveryEpisodes++;
        recover = sndMax;
        final int flight = sndMax - sndUna;
        cc.onEnterRecovery(now, flight);
        prrDelivered = 0;
        prrOut = 0;
        recoverFs = Math.max(flight, 1);
        prrCwnd = 0;
        rttTiming = false;
        tlpDeadline = NEVER;
        tlpActive = false;
        probesSent = 0;
    }

    /**
     * Proportional rate reduction (RFC 6937 section 3.1, with PRR-SSRB): on each ACK during
     * recovery, what may be sent follows what was delivered, so the window comes down to ssthresh
     * smoothly instead of stopping and then bursting.
     */
    private void reduceRate(int delivered) {
        prrDelivered += Math.max(delivered, 0);
        final int pipe = pipe();
        final int ssthresh = cc.ssthresh();
        long sndcnt;
        if (pipe > ssthresh) {
            sndcnt = ((long) prrDelivered * ssthresh + recoverFs - 1) / recoverFs - prrOut;
        } else {
            final long limit = Math.max(prrDelivered - prrOut, Math.max(delivered, 0)) + (long) sendMss;
            sndcnt = Math.min((long) ssthresh - pipe, limit);
        }
        sndcnt = Math.max(sndcnt, 0);
        if (prrOut == 0) {
            sndcnt = Math.max(sndcnt, sendMss); // the first retransmission goes out at once (RFC 6675 step 4.3)
        }
        prrCwnd = (int) Math.min(Integer.MAX_VALUE, pipe + sndcnt);
    }

    /**
     * Arms the tail loss probe (RFC 8985 section 7.2) while data is outstanding with SACK, no
     * probe outstanding and no reordering timer: PTO = 2 * SRTT (plus a delayed ACK when one
     * segment is in flight), and not after the retransmission timer. Unlike RFC 8985 the probe is
     * also armed during recovery, where it resends the oldest segment not SACKed: a lost
     * retransmission with nothing sent after it (small windows under heavy random loss) is
     * otherwise found only by the timer, which costs 200 ms and collapses the window. When a
     * probe draws no ACK, a second one follows after twice the timeout and resends the oldest
     * segment not SACKed; only then is the retransmission timer left to expire.
     */
    private void armProbeTimer(long now) {
        tlpDeadline = NEVER;
        if (!sack || probesSent >= MAX_PROBES || sndMax == sndUna || rackDeadline != NEVER
                || !state.isSynchronized()) {
            return;
        }
        long pto = rtt.hasSample() ? 2 * rtt.srtt() : INITIAL_PTO_NANOS;
        if (sndMax - sndUna <= sendMss) {
            pto = Math.max(pto, rtt.srtt() * 3 / 2 + WORST_CASE_DELAYED_ACK_NANOS);
        }
        pto = Math.max(pto, MIN_PTO_NANOS) << probesSent;
        if (rtoDeadline == NEVER || now + pto < rtoDeadline) {
            tlpDeadline = now + pto;
        }
    }

    /**
     * Three duplicate ACKs, or fewer when under four segments are outstanding and nothing new can
     * be sent: Early Retransmit (RFC 5827 section 3.1, segment-based), so a small window still
     * recovers without waiting for the timer.
     */
    private int duplicateAckThreshold() {
        final int outstanding = sndMax - sndUna;
        final boolean nothingNew = sndUna + tx.length() == sndNxt
                || Math.min(sndWnd - (sndNxt - sndUna), congestionLimit() - pipe()) < sendMss;
        if (nothingNew && outstanding < 4 * sendMss) {
            final int segments = (outstanding + sendMss - 1) / sendMss;
            return Math.max(1, Math.min(DUPACK_THRESHOLD, segments - 1));
        }
        return DUPACK_THRESHOLD;
    }

    private void receiveText(long now, int seq, TcpPacket seg) {
        int offset = seg.payloadOffset();
        int length = seg.payloadLength();
        final int before = rcvNxt - seq;
        if (before > 0) {
            offset += before;
            length -= before;
            seq = rcvNxt;
        }
        if (orphaned && length > 0) {
            // Nobody will read this: tell the peer at once (RFC 2525 section 2.17).
            sendReset(sndNxt);
            enterClosed(TcpError.ABORTED);
            return;
        }
        final int gap = seq - rcvNxt;
        final int room = rx.free() - gap;
        if (length > room) {
            length = room;
        }
        if (length <= 0) {
            ackNow = true;
            return;
        }
        final ByteBuffer b = seg.buffer();
        if (gap == 0) {
            final int written = rx.writeUnallocated(0, b, offset, length);
            outOfOrder.add(0, written);
            final int contiguous = outOfOrder.removeFront();
            rx.commit(contiguous);
            rcvNxt += contiguous;
            if (contiguous > written) {
                ackNow = true; // a hole just filled (RFC 5681 section 4.2)
            }
        } else {
            if (outOfOrder.add(gap, length)) {
                rx.writeUnallocated(gap, b, offset, length);
                lastOutOfOrderOffset = gap;
            }
            ackNow = true; // out-of-order data is acknowledged at once (RFC 5681 section 4.2)
            return;
        }
        // A coalesced segment (LRO, a TUN's TSO) counts as the full-sized segments it carries.
        segmentsSinceAck += Math.max(1, length / Math.max(1, localMss - TIMESTAMPS_OPTION_LENGTH));
        if (!outOfOrder.isEmpty() || segmentsSinceAck >= ACK_EVERY_SEGMENTS) {
            ackNow = true;
        } else if (!ackPending) {
            ackPending = true;
            ackDeadline = now + config.delayedAckNanos();
        }
    }

    private void onFin(long now) {
        finReceived = true;
        rcvNxt += 1;
        ackNow = true;
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (finEverSent && ge(sndUna, finSeq + 1)) {
                    enterTimeWait(now);
                } else {
                    state = TcpState.CLOSING;
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(now);
            case TIME_WAIT -> timeWaitDeadline = now + config.timeWaitNanos();
            default -> {
            }
        }
    }

    private void enterTimeWait(long now) {
        state = TcpState.TIME_WAIT;
        timeWaitDeadline = now + config.timeWaitNanos();
        rtoDeadline = NEVER;
        persistDeadline = NEVER;
        rackDeadline = NEVER;
        tlpDeadline = NEVER;
        tlpDue = false;
        probeDue = false;
    }

    private void enterClosed(TcpError why) {
        state = TcpState.CLOSED;
        if (error == TcpError.NONE) {
            error = why;
        }
        rtoDeadline = NEVER;
        ackDeadline = NEVER;
        persistDeadline = NEVER;
        timeWaitDeadline = NEVER;
        ackNow = false;
        ackPending = false;
        synDue = false;
        rackDeadline = NEVER;
        tlpDeadline = NEVER;
        tlpDue = false;
        probeDue = false;
    }

    private void sendReset(int seq) {
        rstDue = true;
        rstSeq = seq;
    }

    // ----------------------------------------------------------------------------------------
    // Timers (RFC 6298 section 5, RFC 9293 sections 3.8.6.1 and 3.10.8)
    // ----------------------------------------------------------------------------------------

    /** The earliest time {@link #onTimer} has work, or {@link #NEVER}. */
    public long nextDeadline() {
        long d = Math.min(rtoDeadline, timeWaitDeadline);
        d = Math.min(d, persistDeadline);
        d = Math.min(d, Math.min(rackDeadline, tlpDeadline));
        return ackPending ? Math.min(d, ackDeadline) : d;
    }

    /**
     * True when a control segment (SYN, RST, ACK, tail loss probe, window probe) is due. Queued data
     * is not counted: {@link #dispatch} sends it whenever windows allow, and what it holds back
     * waits for an ACK or a timer.
     */
    public boolean wantsToSend() {
        return rstDue || synDue || ackNow || tlpDue || rtoRetransmitDue || probeDue;
    }

    /** Fires expired timers; segments they call for go out on the next {@link #dispatch}. */
    public void onTimer(long now) {
        if (timeWaitDeadline <= now) {
            timeWaitDeadline = NEVER;
            enterClosed(TcpError.NONE);
            return;
        }
        if (ackPending && ackDeadline <= now) {
            ackNow = true;
        }
        if (rtoDeadline <= now) {
            rtoDeadline = NEVER;
            onRetransmitTimeout(now);
        }
        if (rackDeadline <= now) {
            rackDeadline = NEVER;
            detectLosses(now);
            if (lossState == RECOVERY && prrCwnd == 0) {
                reduceRate(0);
            }
        }
        if (tlpDeadline <= now) {
            tlpDeadline = NEVER;
            if (sndMax != sndUna) {
                tlpDue = true;
            }
        }
        if (tlpDeadline == NEVER && !tlpDue && rtoDeadline != NEVER) {
            armProbeTimer(now);
        }
        if (persistDeadline <= now) {
            probeDue = true;
            persistInterval = Math.min(persistInterval * 2, config.maxRtoNanos());
            persistDeadline = now + persistInterval;
        }
    }

    private void onRetransmitTimeout(long now) {
        retransmits++;
        retransmissionTimeouts++;
        rtt.backoff();
        rttTiming = false;
        if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
            if (retransmits > config.maxSynRetransmissions()) {
                if (parent != null) {
                    parent.onHalfOpenFailed();
                }
                enterClosed(TcpError.TIMED_OUT);
            } else {
                synDue = true;
            }
            return;
        }
        if (sndMax == sndUna) {
            return;
        }
        if (retransmits > config.maxRetransmissions()) {
            sendReset(sndNxt);
            enterClosed(TcpError.TIMED_OUT);
            return;
        }
        // RFC 5681 section 3.1 eq. 4 and RFC 6582 section 3.2 (recover = highest sent). The
        // scoreboard keeps its SACK marks (RFC 6675 section 5.1): what the peer holds is not sent
        // again; the rest that has been out longer than an RTT is lost (RFC 8985 section 6.3).
        cc.onRetransmitTimeout(now, sndMax - sndUna);
        recover = sndMax;
        lossState = LOSS;
        dupAcks = 0;
        rackDeadline = NEVER;
        tlpDeadline = NEVER;
        tlpDue = false;
        tlpActive = false;
        scoreboard.markLossesOnTimeout(now, scoreboard.reorderingWindow(true, rtt.srtt()));
        rtoRetransmitDue = true;
    }

    // ----------------------------------------------------------------------------------------
    // Output
    // ----------------------------------------------------------------------------------------

    /**
     * Writes the next due segment as a whole IP packet at index 0 of {@code out} (whose capacity
     * is the link MTU) and returns its length, or returns 0 when nothing is due.
     */
    public int dispatch(long now, ByteBuffer out) {
        if (orphaned && state == TcpState.FIN_WAIT_2 && timeWaitDeadline == NEVER) {
            timeWaitDeadline = now + config.timeWaitNanos();
        }
        if (rstDue) {
            rstDue = false;
            return emit(out, now, rstSeq, TcpPacket.RST, 0, 0);
        }
        switch (state) {
            case CLOSED, LISTEN -> {
                return 0;
            }
            case SYN_SENT -> {
                if (synDue) {
                    synDue = false;
                    return emitSyn(out, now, TcpPacket.SYN);
                }
                return 0;
            }
            case SYN_RECEIVED -> {
                if (synDue) {
                    synDue = false;
                    return emitSyn(out, now, TcpPacket.SYN | TcpPacket.ACK);
                }
            }
            default -> {
            }
        }
        if (synAcked && state != TcpState.TIME_WAIT) {
            final int n = dispatchData(now, out);
            if (n > 0) {
                return n;
            }
        }
        if (ackNow || (ackPending && ackDeadline <= now)) {
            return emit(out, now, sndNxt, TcpPacket.ACK, 0, 0);
        }
        return 0;
    }

    private int dispatchData(long now, ByteBuffer out) {
        final int dataEnd = sndUna + tx.length();
        // Segments marked lost go first, as the congestion window allows (RFC 6675 NextSeg rule 1).
        final int lost = scoreboard.firstLost();
        if (lost >= 0 && (rtoRetransmitDue
                || pipe() + (scoreboard.end(lost) - scoreboard.start(lost)) <= congestionLimit())) {
            rtoRetransmitDue = false;
            return retransmit(now, out, lost);
        }
        rtoRetransmitDue = false;
        if (tlpDue) {
            tlpDue = false;
            final int n = sendProbe(now, out, dataEnd);
            if (n > 0) {
                return n;
            }
        }
        final int unsent = dataEnd - sndNxt;
        if (unsent > 0) {
            final int inFlight = sndNxt - sndUna;
            final int usable = Math.min(sndWnd - inFlight, congestionLimit() - pipe());
            int length = Math.min(Math.min(unsent, sendMss), usable);
            if (length == sendMss) {
                // Segmentation offload: as many whole segments as the buffer, windows and data allow.
                final int most = Math.min(Math.min(unsent, usable), maxPayload(out));
                if (most > sendMss) {
                    length = most == unsent ? most : most - most % sendMss;
                }
            }
            if (length > 0) {
                final boolean last = length == unsent;
                final boolean full = length >= sendMss;
                final boolean nagleAllows = config.noDelay() || inFlight == 0;
                final boolean swsAllows = inFlight == 0 && length >= maxSndWnd / 2;
                if (full || (last && nagleAllows) || swsAllows) {
                    return sendNew(now, out, dataEnd, length);
                }
            } else if (sndWnd == 0 && inFlight == 0 && persistDeadline == NEVER) {
                persistInterval = rtt.rto();
                persistDeadline = now + persistInterval;
            }
            if (probeDue) {
                probeDue = false;
                // A zero-length segment one below SND.UNA draws an ACK carrying the window, as Linux does.
                return emit(out, now, sndUna - 1, TcpPacket.ACK, 0, 0);
            }
            probeDue = false;
            return 0;
        }
        probeDue = false;
        if (unsent == 0 && closeRequested && !finSent) {
            finSent = true;
            finEverSent = true;
            finSeq = dataEnd;
            final int n = emit(out, now, dataEnd, TcpPacket.ACK | TcpPacket.FIN, 0, 0);
            advanceSent(now, dataEnd, 1, true);
            return n;
        }
        return 0;
    }

    /**
     * The most payload one packet in {@code out} may carry: one MSS, or whole multiples of it when
     * the buffer is larger than the MTU (a link with segmentation offload).
     */
    private int maxPayload(ByteBuffer out) {
        final int room = out.capacity() - IpHeader.length(localAddress) - TcpPacket.MAX_HEADER_LENGTH;
        return Math.max(sendMss, room / sendMss * sendMss);
    }

    /** Sends {@code length} new bytes from SND.NXT, with FIN when they are the last and a close is pending. */
    private int sendNew(long now, ByteBuffer out, int dataEnd, int length) {
        final boolean last = sndNxt + length == dataEnd;
        final boolean fin = last && closeRequested;
        final int seq = sndNxt;
        int flags = TcpPacket.ACK | (last ? TcpPacket.PSH : 0);
        if (fin) {
            flags |= TcpPacket.FIN;
            finSent = true;
            finEverSent = true;
            finSeq = dataEnd;
        }
        final int n = emit(out, now, seq, flags, seq - sndUna, length);
        advanceSent(now, seq, length + (fin ? 1 : 0), fin);
        return n;
    }

    /** Sends scoreboard entry {@code k} again. */
    private int retransmit(long now, ByteBuffer out, int k) {
        final int seq = scoreboard.start(k);
        final int length = scoreboard.end(k) - seq;
        final boolean fin = (scoreboard.flags(k) & Scoreboard.FIN) != 0;
        scoreboard.onRetransmitted(k, now);
        retransmittedSegments++;
        if (lossState == RECOVERY) {
            prrOut += length;
        }
        if (rtoDeadline == NEVER) {
            rtoDeadline = now + rtt.rto();
        }
        return emit(out, now, seq, TcpPacket.ACK | (fin ? TcpPacket.FIN : 0), seq - sndUna, length - (fin ? 1 : 0));
    }

    /**
     * The tail loss probe (RFC 8985 section 7.3): one new segment if the peer's window allows,
     * else the last segment not SACKed again; the retransmission timer restarts.
     */
    private int sendProbe(long now, ByteBuffer out, int dataEnd) {
        if (sndMax == sndUna) {
            return 0;
        }
        final int unsent = dataEnd - sndNxt;
        final int length = Math.min(unsent, sendMss);
        int n = 0;
        if (lossState != OPEN || probesSent > 0) {
            final int k = scoreboard.firstUnsacked();
            if (k < 0) {
                return 0;
            }
            n = retransmit(now, out, k);
            tlpRetransmitted = true;
        } else if (length > 0 && sndWnd - (sndNxt - sndUna) >= length) {
            n = sendNew(now, out, dataEnd, length);
            tlpRetransmitted = false;
        } else {
            final int k = scoreboard.lastUnsacked();
            if (k < 0) {
                return 0;
            }
            n = retransmit(now, out, k);
            tlpRetransmitted = true;
        }
        tailLossProbes++;
        tlpActive = true;
        tlpEnd = sndMax;
        rtoDeadline = now + rtt.rto();
        probesSent++;
        armProbeTimer(now);
        return n;
    }

    /**
     * Bytes the congestion state lets into the network: PRR's window in recovery; otherwise the
     * congestion window, plus Limited Transmit without SACK (RFC 3042 section 2: each of the
     * first two duplicate ACKs lets one new segment out; with SACK the pipe already excludes
     * what the peer holds).
     */
    private int congestionLimit() {
        if (lossState == RECOVERY) {
            return prrCwnd;
        }
        if (!sack && lossState == OPEN) {
            return cc.window() + Math.min(dupAcks, 2) * sendMss;
        }
        return cc.window();
    }

    /**
     * Bytes presumed in the network (RFC 6675 section 4): outstanding, less what the peer SACKed
     * and what is marked lost and not yet resent. Without SACK, each duplicate ACK during recovery
     * stands for one segment that left the network.
     */
    private int pipe() {
        final int p = scoreboard.pipe(sndUna, sndMax);
        return !sack && lossState == RECOVERY ? Math.max(0, p - dupAcks * sendMss) : p;
    }

    private void advanceSent(long now, int seq, int length, boolean fin) {
        sndNxt = seq + length;
        if (gt(sndNxt, sndMax)) {
            sndMax = sndNxt;
        }
        scoreboard.onSent(seq, seq + length, now, fin);
        if (lossState == RECOVERY) {
            prrOut += length;
        }
        if (!timestamps && !rttTiming && retransmits == 0) {
            rttTiming = true;
            rttSeq = sndNxt;
            rttStart = now;
        }
        if (rtoDeadline == NEVER) {
            rtoDeadline = now + rtt.rto();
        }
        if (probesSent == 0) {
            armProbeTimer(now);
        }
    }

    private int emitSyn(ByteBuffer out, long now, int flags) {
        if (!rttTiming && retransmits == 0) {
            rttTiming = true;
            rttSeq = iss + 1;
            rttStart = now;
        }
        sndNxt = iss + 1;
        sndMax = iss + 1;
        if (rtoDeadline == NEVER) {
            rtoDeadline = now + rtt.rto();
        }
        return emit(out, now, iss, flags, 0, 0);
    }

    private int emit(ByteBuffer out, long now, int seq, int flags, int dataSkip, int dataLength) {
        final int ipLength = IpHeader.length(localAddress);
        final TcpOptions o = txOptions.clear();
        final boolean syn = (flags & TcpPacket.SYN) != 0;
        final boolean ack = (flags & TcpPacket.ACK) != 0;
        if (syn) {
            o.mss = localMss;
            final boolean active = (flags & TcpPacket.ACK) == 0;
            if (active ? config.windowScaling() : windowScaleAgreed) {
                o.windowScale = rcvShift;
            }
            o.sackPermitted = active ? config.sack() : sack;
            o.timestamps = active ? config.timestamps() : timestamps;
            if (o.timestamps) {
                o.tsVal = tsNow(now);
                o.tsEcr = active ? 0 : tsRecent;
            }
        } else if ((flags & TcpPacket.RST) == 0) {
            if (timestamps) {
                o.timestamps = true;
                o.tsVal = tsNow(now);
                o.tsEcr = tsRecent;
            }
            if (sack && ack && dataLength == 0 && (dsackDue || !outOfOrder.isEmpty())) {
                addSackBlocks(o);
            }
        }
        final int window = syn ? Math.min(rx.free(), 0xFFFF) : Math.min(rx.free() >> rcvShift, 0xFFFF);
        final TcpPacket tcp = txSegment.wrap(out, ipLength, out.capacity() - ipLength);
        final int headerLength = tcp.emit(localPort, remotePort, seq, ack ? rcvNxt : 0, flags, window, o);
        if (dataLength > 0) {
            tx.peek(dataSkip, out, ipLength + headerLength, dataLength);
        }
        final int segmentLength = headerLength + dataLength;
        tcp.setLength(segmentLength);
        IpHeader.emit(out, 0, localAddress, remoteAddress, IpProtocol.TCP, segmentLength, ipIdentification++);
        final long pseudo = IpHeader.pseudoHeader(localAddress, remoteAddress, IpProtocol.TCP, segmentLength);
        if (dataLength > sendMss) {
            tcp.fillPartialChecksum(pseudo); // a super-segment: its sink finishes the checksum
        } else {
            tcp.fillChecksum(pseudo);
        }
        if (ack) {
            ackNow = false;
            ackPending = false;
            ackDeadline = NEVER;
            segmentsSinceAck = 0;
            lastAckSent = rcvNxt;
            lastAdvertisedWindow = syn ? window : window << rcvShift;
        }
        return ipLength + segmentLength;
    }

    /** SACK blocks from the out-of-order ranges, the most recent first (RFC 2018 section 4). */
    private void addSackBlocks(TcpOptions o) {
        final int max = timestamps ? 3 : 4;
        if (dsackDue) {
            dsackDue = false;
            o.addSackBlock(dsackLeft, dsackRight);
        }
        int first = -1;
        for (int i = 0; i < outOfOrder.rangeCount(); i++) {
            if (outOfOrder.rangeStart(i) <= lastOutOfOrderOffset && lastOutOfOrderOffset < outOfOrder.rangeEnd(i)) {
                first = i;
                o.addSackBlock(rcvNxt + outOfOrder.rangeStart(i), rcvNxt + outOfOrder.rangeEnd(i));
                break;
            }
        }
        for (int i = 0; i < outOfOrder.rangeCount() && o.sackBlocks < max; i++) {
            if (i != first) {
                o.addSackBlock(rcvNxt + outOfOrder.rangeStart(i), rcvNxt + outOfOrder.rangeEnd(i));
            }
        }
    }

    private int tsNow(long now) {
        return (int) (now / 1_000_000L) + tsOffset;
    }

    /**
     * Writes a reset answering {@code incoming}, which matched no connection (RFC 9293 section
     * 3.10.7.1): with ACK set it is {@code <SEQ=SEG.ACK><CTL=RST>}, else
     * {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}. Returns 0 for an incoming reset.
     */
    public static int writeReset(ByteBuffer out, IpAddress source, IpAddress destination, TcpPacket incoming,
            TcpPacket scratch) {
        if (incoming.has(TcpPacket.RST)) {
            return 0;
        }
        final int ipLength = IpHeader.length(source);
        final TcpPacket tcp = scratch.wrap(out, ipLength, TcpPacket.MIN_HEADER_LENGTH);
        if (incoming.has(TcpPacket.ACK)) {
            tcp.emit(incoming.destinationPort(), incoming.sourcePort(), incoming.acknowledgment(), 0, TcpPacket.RST, 0,
                    null);
        } else {
            tcp.emit(incoming.destinationPort(), incoming.sourcePort(), 0,
                    incoming.sequence() + incoming.segmentLength(), TcpPacket.RST | TcpPacket.ACK, 0, null);
        }
        IpHeader.emit(out, 0, source, destination, IpProtocol.TCP, TcpPacket.MIN_HEADER_LENGTH, 0);
        tcp.fillChecksum(IpHeader.pseudoHeader(source, destination, IpProtocol.TCP, TcpPacket.MIN_HEADER_LENGTH));
        return ipLength + TcpPacket.MIN_HEADER_LENGTH;
    }

    // ----------------------------------------------------------------------------------------
    // User calls (RFC 9293 section 3.10: SEND, RECEIVE, CLOSE, ABORT)
    // ----------------------------------------------------------------------------------------

    /**
     * Queues bytes from {@code src} (position to limit) for sending; advances its position and
     * returns the count queued, 0 when the buffer is full, or -1 once sending is shut down.
     */
    public int send(ByteBuffer src) {
        if (closeRequested || !(state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT
                || state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED)) {
            return -1;
        }
        final int n = tx.enqueue(src, src.position(), src.remaining());
        src.position(src.position() + n);
        return n;
    }

    /**
     * Moves received bytes into {@code dst} (from its position); returns the count, 0 when none
     * are ready yet, or -1 at end of stream (the peer's FIN, a reset or a timeout).
     */
    public int recv(ByteBuffer dst) {
        final int n = rx.dequeue(dst, dst.position(), dst.remaining());
        dst.position(dst.position() + n);
        if (n == 0) {
            return (finReceived || state == TcpState.CLOSED) && dst.hasRemaining() ? -1 : 0;
        }
        // Receiver SWS avoidance (RFC 9293 section 3.8.6.2.2): announce an opening of at least
        // min(RCV.BUFF / 2, MSS), and (as Linux does) only once the window has at least doubled,
        // so a sender that is not window-limited gets no extra ACKs.
        final int free = rx.free();
        if (state.receivesData() && free - lastAdvertisedWindow >= Math.min(rx.capacity() / 2, sendMss)
                && free >= 2L * lastAdvertisedWindow) {
            ackNow = true;
        }
        return n;
    }

    /** Bytes ready for {@link #recv}. */
    public int available() {
        return rx.length();
    }

    /** Room left in the send buffer. */
    public int sendRoom() {
        return tx.free();
    }

    /** Bytes queued but not yet acknowledged. */
    public int unacknowledged() {
        return tx.length();
    }

    /**
     * Full close: the application will neither send nor read again. With unread data this
     * resets the connection instead (RFC 2525 section 2.17, as BSD and Linux do); otherwise it
     * sends FIN after the queued data, data arriving afterwards is answered with a reset, and a
     * FIN_WAIT_2 that the peer never ends is abandoned after the TIME_WAIT period.
     */
    public void close() {
        if (rx.length() > 0 && state != TcpState.CLOSED) {
            abort();
            return;
        }
        orphaned = true;
        shutdownOutput();
    }

    /** Half-close: no more sends; a FIN follows the queued data (RFC 9293 section 3.10.4). */
    public void shutdownOutput() {
        if (closeRequested) {
            return;
        }
        closeRequested = true;
        switch (state) {
            case SYN_SENT -> {
                // RFC 9293 section 3.10.4 deletes the TCB here; with data queued we keep it so
                // "connect, write, close" works as with BSD sockets, and FIN follows the data.
                if (tx.isEmpty()) {
                    enterClosed(TcpError.NONE);
                }
            }
            case ESTABLISHED -> state = TcpState.FIN_WAIT_1;
            case CLOSE_WAIT -> state = TcpState.LAST_ACK;
            default -> {
            }
        }
    }

    /** Sends a reset and drops the connection (RFC 9293 section 3.10.5). */
    public void abort() {
        if (state.isSynchronized() || state == TcpState.SYN_RECEIVED) {
            if (state != TcpState.TIME_WAIT) {
                sendReset(sndNxt);
            }
        }
        if (state == TcpState.SYN_RECEIVED && parent != null) {
            parent.onHalfOpenFailed();
        }
        closeRequested = true;
        final boolean wasOpen = state != TcpState.CLOSED;
        enterClosed(wasOpen ? TcpError.ABORTED : TcpError.NONE);
    }

    // ----------------------------------------------------------------------------------------
    // Accessors
    // ----------------------------------------------------------------------------------------

    public TcpState state() {
        return state;
    }

    /** The listener whose SYN created this connection, or null for an active open. */
    public TcpListener listener() {
        return parent;
    }

    /** An object the owner of this socket keeps with it (the socket API's wait condition). */
    public Object attachment() {
        return attachment;
    }

    public void attach(Object value) {
        this.attachment = value;
    }

    public TcpError error() {
        return error;
    }

    public IpAddress localAddress() {
        return localAddress;
    }

    public IpAddress remoteAddress() {
        return remoteAddress;
    }

    public int localPort() {
        return localPort;
    }

    public int remotePort() {
        return remotePort;
    }

    /** True if this connection is the one a segment with these endpoints belongs to. */
    public boolean matches(IpAddress source, int sourcePort, IpAddress destination, int destinationPort) {
        return sourcePort == remotePort && destinationPort == localPort && remoteAddress.equals(source)
                && localAddress.equals(destination);
    }

    /** Matches without allocating: addresses given as their two longs. */
    public boolean matches(long srcHi, long srcLo, int sourcePort, long dstHi, long dstLo, int destinationPort) {
        return sourcePort == remotePort && destinationPort == localPort && remoteAddress.hi() == srcHi
                && remoteAddress.lo() == srcLo && localAddress.hi() == dstHi && localAddress.lo() == dstLo;
    }

    /** True once closed with no output left, so the interface may forget it. */
    public boolean isFinished() {
        return state == TcpState.CLOSED && !rstDue;
    }

    /** True when the peer's FIN has been received (end of stream after the buffered bytes). */
    public boolean finReceived() {
        return finReceived;
    }

    public int sendMss() {
        return sendMss;
    }

    public int sendWindow() {
        return sndWnd;
    }

    public int congestionWindow() {
        return cc.window();
    }

    public long rtoNanos() {
        return rtt.rto();
    }

    public boolean timestampsEnabled() {
        return timestamps;
    }

    public boolean sackEnabled() {
        return sack;
    }

    public int sendWindowShift() {
        return sndShift;
    }

    public int receiveWindowShift() {
        return rcvShift;
    }

    /** Expiries of the retransmission timer (SYN or data). */
    public long retransmissionTimeouts() {
        return retransmissionTimeouts;
    }

    /** Segments sent again (marked lost by RACK, duplicate or partial ACKs, or a timeout; or probes). */
    public long retransmittedSegments() {
        return retransmittedSegments;
    }

    /** Tail loss probes sent (RFC 8985 section 7). */
    public long tailLossProbes() {
        return tailLossProbes;
    }

    /** Times fast recovery was entered (one congestion response each). */
    public long recoveryEpisodes() {
        return recoveryEpisodes;
    }

    @Override
    public String toString() {
        return "TcpSocket[" + localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort + " " + state
                + " una=" + Integer.toUnsignedString(sndUna) + " nxt=" + Integer.toUnsignedString(sndNxt) + " rcvNxt="
                + Integer.toUnsignedString(rcvNxt) + " wnd=" + sndWnd + " cwnd=" + cc.window() + "]";
    }
}
