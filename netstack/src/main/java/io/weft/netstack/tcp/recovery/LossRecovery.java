package io.weft.netstack.tcp.recovery;

import static io.weft.netstack.tcp.SeqNum.ge;
import static io.weft.netstack.tcp.SeqNum.gt;
import static io.weft.netstack.tcp.SeqNum.le;

import io.weft.netstack.tcp.RttEstimator;
import io.weft.netstack.tcp.cc.CongestionControl;
import io.weft.netstack.wire.TcpOptions;

/**
 * A connection's loss recovery: the per-segment {@link Scoreboard} (RFC 6675) with RACK-TLP loss
 * detection (RFC 8985) when SACK is in use, duplicate ACKs and NewReno partial ACKs (RFC 5681
 * section 3.2, RFC 6582) without it, and proportional rate reduction (RFC 6937) while recovering.
 * It decides what is lost, what may be sent and when to probe; the connection sends, and tells it
 * what it sent and what was acknowledged. Not thread-safe, allocation-free.
 */
public final class LossRecovery {
  /** Deadline value meaning "not armed". */
  public static final long NEVER = Long.MAX_VALUE;

  /** {@link #probeSegment}: send one new segment as the probe. */
  public static final int PROBE_NEW_DATA = -1;

  /** {@link #probeSegment}: nothing to probe with. */
  public static final int NO_PROBE = -2;

  /** What loss recovery reads of its connection's send side (RFC 9293 section 3.3.1 names). */
  public interface Connection {
    int sndUna();

    int sndNxt();

    /** The highest sequence number sent. */
    int sndMax();

    int sendMss();

    /** The peer's window, scaled. */
    int sndWnd();

    /** SND.UNA plus the bytes queued: the end of the data there is to send. */
    int dataEnd();

    /** The retransmission timer's deadline, or {@link #NEVER}. */
    long rtoDeadline();

    /** Whether the SYN has been acknowledged. */
    boolean synAcked();

    /** Whether the connection is in a synchronized state (RFC 9293 section 3.3.2). */
    boolean isSynchronized();

    /** Drops the RTT measurement in progress (Karn: recovery retransmits). */
    void cancelRttSample();
  }

  // Specification constants.
  /** Duplicate ACKs that trigger fast retransmit (RFC 5681 section 3.2). */
  private static final int DUPACK_THRESHOLD = 3;

  /**
   * The delayed ACK a probe for a single outstanding segment allows for. RFC 8985 section 7.2
   * suggests 200 ms (WCDelAckT); Linux and this stack delay ACKs by at most 40 ms, and a probe sent
   * too early costs one segment (answered with a D-SACK, so no window reduction), while one sent at
   * 200 ms is no better than the retransmission timer.
   */
  private static final long WORST_CASE_DELAYED_ACK_NANOS = 40_000_000L;

  /** RFC 8985 section 7.2: the PTO when there is no RTT sample. */
  private static final long INITIAL_PTO_NANOS = 1_000_000_000L;

  // Loss states.
  private static final int OPEN = 0;
  private static final int RECOVERY = 1;
  private static final int LOSS = 2;

  // Implementation constants.
  /** Shortest probe timeout; the timestamps clock ticks in milliseconds (Linux uses two ticks). */
  private static final long MIN_PTO_NANOS = 2_000_000L;

  /** Probes (each after twice the previous timeout) before the retransmission timer may expire. */
  private static final int MAX_PROBES = 2;

  private final Connection c;
  private final CongestionControl cc;
  private final RttEstimator rtt;
  private final Scoreboard scoreboard = new Scoreboard();
  private boolean sack;

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

  /**
   * The timer expired: the first lost segment goes out whatever the window (RFC 6298 section 5.4).
   */
  private boolean rtoRetransmitDue;

  private boolean tlpActive;

  /** Probes sent since the last ACK that delivered data. */
  private int probesSent;

  private boolean tlpRetransmitted;
  private int tlpEnd;

  private long retransmittedSegments;
  private long tailLossProbes;
  private long recoveryEpisodes;

  /** Recovery for {@code connection}, whose initial send sequence number is {@code iss}. */
  public LossRecovery(Connection connection, CongestionControl cc, RttEstimator rtt, int iss) {
    this.c = connection;
    this.cc = cc;
    this.rtt = rtt;
    this.recover = iss;
  }

  /** Whether both ends agreed on SACK (RFC 2018 section 2): RACK-TLP, else duplicate ACKs. */
  public void setSack(boolean sack) {
    this.sack = sack;
  }

  // ---- ACK arrival -------------------------------------------------------------------------

  /** Bytes the peer has SACKed, for the caller to note before an ACK is processed. */
  public int sackedBytes() {
    return scoreboard.sackedBytes();
  }

  /** SND.UNA advanced to {@code ack}: the scoreboard forgets what it covers. */
  public void onCumulativeAck(int ack, long now) {
    scoreboard.onCumulativeAck(ack, now);
  }

  /**
   * After SND.UNA advanced by {@code acked} bytes: the congestion response, the end of recovery,
   * and NewReno's partial ACK (RFC 6582 section 3.2 step 5).
   */
  public void onNewAck(long now, int ack, int acked) {
    final int outstanding = c.sndMax() - c.sndUna();
    switch (lossState) {
      case RECOVERY -> {
        if (ge(ack, recover)) {
          lossState = OPEN;
          cc.onExitRecovery(outstanding);
        } else if (!sack
            && scoreboard.count() > 0
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
  }

  /** Without SACK, duplicate ACKs signal loss (RFC 5681 section 3.2, RFC 6582 section 3.2). */
  public void onDuplicateAck(long now) {
    dupAcks++;
    if (!sack
        && lossState == OPEN
        && dupAcks == duplicateAckThreshold()
        && gt(c.sndUna(), recover)) {
      // RFC 6582 section 3.2 step 2: only when the ACK covers more than "recover".
      scoreboard.markLost(0);
      enterRecovery(now);
    }
  }

  /**
   * The rest of an acceptable ACK: SACK blocks, loss detection, the rate reduction of recovery and
   * the tail loss probe's outcome. {@code unaBefore} and {@code sackedBefore} are SND.UNA and
   * {@link #sackedBytes} before the ACK; {@code duplicate} says it was a duplicate ACK.
   */
  public void afterAck(
      long now, int ack, TcpOptions opts, int unaBefore, int sackedBefore, boolean duplicate) {
    final boolean dsack = sack && opts.sackBlocks > 0 && le(opts.sackRight[0], ack);
    final int sndUna = c.sndUna();
    final int sndMax = c.sndMax();
    if (sack && c.synAcked() && opts.sackBlocks > 0) {
      scoreboard.onSack(opts, sndUna, sndMax, now);
    }
    final int delivered =
        (sndUna - unaBefore)
            + (scoreboard.sackedBytes() - sackedBefore)
            + (duplicate && !sack ? c.sendMss() : 0);
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

  /**
   * RACK loss detection (RFC 8985 section 6.2) after an ACK delivered something or the reordering
   * timer expired; the first loss outside recovery starts recovery.
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
    recover = c.sndMax();
    final int flight = c.sndMax() - c.sndUna();
    cc.onEnterRecovery(now, flight);
    prrDelivered = 0;
    prrOut = 0;
    recoverFs = Math.max(flight, 1);
    prrCwnd = 0;
    c.cancelRttSample();
    tlpDeadline = NEVER;
    tlpActive = false;
    probesSent = 0;
  }

  /**
   * Proportional rate reduction (RFC 6937 section 3.1, with PRR-SSRB): on each ACK during recovery,
   * what may be sent follows what was delivered, so the window comes down to ssthresh smoothly
   * instead of stopping and then bursting.
   */
  private void reduceRate(int delivered) {
    prrDelivered += Math.max(delivered, 0);
    final int pipe = pipe();
    final int ssthresh = cc.ssthresh();
    final int sendMss = c.sendMss();
    long sndcnt;
    if (pipe > ssthresh) {
      sndcnt = ((long) prrDelivered * ssthresh + recoverFs - 1) / recoverFs - prrOut;
    } else {
      final long limit = Math.max(prrDelivered - prrOut, Math.max(delivered, 0)) + (long) sendMss;
      sndcnt = Math.min((long) ssthresh - pipe, limit);
    }
    sndcnt = Math.max(sndcnt, 0);
    if (prrOut == 0) {
      sndcnt =
          Math.max(
              sndcnt, sendMss); // the first retransmission goes out at once (RFC 6675 step 4.3)
    }
    prrCwnd = (int) Math.min(Integer.MAX_VALUE, pipe + sndcnt);
  }

  /**
   * Arms the tail loss probe (RFC 8985 section 7.2) while data is outstanding with SACK, no probe
   * outstanding and no reordering timer: PTO = 2 * SRTT (plus a delayed ACK when one segment is in
   * flight), and not after the retransmission timer. Unlike RFC 8985 the probe is also armed during
   * recovery, where it resends the oldest segment not SACKed: a lost retransmission with nothing
   * sent after it (small windows under heavy random loss) is otherwise found only by the timer,
   * which costs 200 ms and collapses the window. When a probe draws no ACK, a second one follows
   * after twice the timeout and resends the oldest segment not SACKed; only then is the
   * retransmission timer left to expire.
   */
  private void armProbeTimer(long now) {
    tlpDeadline = NEVER;
    final int outstanding = c.sndMax() - c.sndUna();
    if (!sack
        || probesSent >= MAX_PROBES
        || outstanding == 0
        || rackDeadline != NEVER
        || !c.isSynchronized()) {
      return;
    }
    long pto = rtt.hasSample() ? 2 * rtt.srtt() : INITIAL_PTO_NANOS;
    if (outstanding <= c.sendMss()) {
      pto = Math.max(pto, rtt.srtt() * 3 / 2 + WORST_CASE_DELAYED_ACK_NANOS);
    }
    pto = Math.max(pto, MIN_PTO_NANOS) << probesSent;
    final long rtoDeadline = c.rtoDeadline();
    if (rtoDeadline == NEVER || now + pto < rtoDeadline) {
      tlpDeadline = now + pto;
    }
  }

  /**
   * Three duplicate ACKs, or fewer when under four segments are outstanding and nothing new can be
   * sent: Early Retransmit (RFC 5827 section 3.1, segment-based), so a small window still recovers
   * without waiting for the timer.
   */
  private int duplicateAckThreshold() {
    final int sndUna = c.sndUna();
    final int sndNxt = c.sndNxt();
    final int sendMss = c.sendMss();
    final int outstanding = c.sndMax() - sndUna;
    final boolean nothingNew =
        c.dataEnd() == sndNxt
            || Math.min(c.sndWnd() - (sndNxt - sndUna), congestionLimit() - pipe()) < sendMss;
    if (nothingNew && outstanding < 4 * sendMss) {
      final int segments = (outstanding + sendMss - 1) / sendMss;
      return Math.max(1, Math.min(DUPACK_THRESHOLD, segments - 1));
    }
    return DUPACK_THRESHOLD;
  }

  // ---- Timers ------------------------------------------------------------------------------

  /** The earliest deadline of the reordering and probe timers, or {@link #NEVER}. */
  public long nextDeadline() {
    return Math.min(rackDeadline, tlpDeadline);
  }

  /** Whether a probe or a timeout's retransmission is due. */
  public boolean wantsToSend() {
    return tlpDue || rtoRetransmitDue;
  }

  /** Fires the reordering and probe timers, and re-arms the probe after a retransmission. */
  public void onTimer(long now) {
    if (rackDeadline <= now) {
      rackDeadline = NEVER;
      detectLosses(now);
      if (lossState == RECOVERY && prrCwnd == 0) {
        reduceRate(0);
      }
    }
    if (tlpDeadline <= now) {
      tlpDeadline = NEVER;
      if (c.sndMax() != c.sndUna()) {
        tlpDue = true;
      }
    }
    if (tlpDeadline == NEVER && !tlpDue && c.rtoDeadline() != NEVER) {
      armProbeTimer(now);
    }
  }

  /**
   * The retransmission timer expired with data outstanding. RFC 5681 section 3.1 eq. 4 and RFC 6582
   * section 3.2 (recover = highest sent). The scoreboard keeps its SACK marks (RFC 6675 section
   * 5.1): what the peer holds is not sent again; the rest that has been out longer than an RTT is
   * lost (RFC 8985 section 6.3).
   */
  public void onRetransmitTimeout(long now) {
    cc.onRetransmitTimeout(now, c.sndMax() - c.sndUna());
    recover = c.sndMax();
    lossState = LOSS;
    dupAcks = 0;
    rackDeadline = NEVER;
    tlpDeadline = NEVER;
    tlpDue = false;
    tlpActive = false;
    scoreboard.markLossesOnTimeout(now, scoreboard.reorderingWindow(true, rtt.srtt()));
    rtoRetransmitDue = true;
  }

  /** The connection left the data phase (TIME_WAIT, CLOSED): no more probes or loss timers. */
  public void stopTimers() {
    rackDeadline = NEVER;
    tlpDeadline = NEVER;
    tlpDue = false;
  }

  // ---- Sending -----------------------------------------------------------------------------

  /**
   * The scoreboard entry to send again now, or -1: segments marked lost go first, as the congestion
   * window allows (RFC 6675 NextSeg rule 1), and after a timeout whatever the window.
   */
  public int nextRetransmission() {
    final int lost = scoreboard.firstLost();
    final boolean go =
        lost >= 0
            && (rtoRetransmitDue
                || pipe() + (scoreboard.end(lost) - scoreboard.start(lost)) <= congestionLimit());
    rtoRetransmitDue = false;
    return go ? lost : -1;
  }

  /** Whether the probe timer asked for a probe; clears the request. */
  public boolean takeProbeDue() {
    final boolean due = tlpDue;
    tlpDue = false;
    return due;
  }

  /**
   * What the tail loss probe sends (RFC 8985 section 7.3): {@link #PROBE_NEW_DATA} when new data is
   * allowed ({@code newDataFits}) and recovery is not under way, else the scoreboard entry to send
   * again (the oldest not SACKed in recovery or on a second probe, else the last), or {@link
   * #NO_PROBE}.
   */
  public int probeSegment(boolean newDataFits) {
    if (lossState != OPEN || probesSent > 0) {
      final int k = scoreboard.firstUnsacked();
      return k < 0 ? NO_PROBE : k;
    }
    if (newDataFits) {
      return PROBE_NEW_DATA;
    }
    final int k = scoreboard.lastUnsacked();
    return k < 0 ? NO_PROBE : k;
  }

  /** A probe went out ({@code retransmitted}: an old segment); the connection restarted its RTO. */
  public void onProbeSent(long now, boolean retransmitted) {
    tlpRetransmitted = retransmitted;
    tailLossProbes++;
    tlpActive = true;
    tlpEnd = c.sndMax();
    probesSent++;
    armProbeTimer(now);
  }

  /** First sequence number of scoreboard entry {@code k}. */
  public int segmentStart(int k) {
    return scoreboard.start(k);
  }

  /** End of scoreboard entry {@code k} (its FIN counted). */
  public int segmentEnd(int k) {
    return scoreboard.end(k);
  }

  /** Whether scoreboard entry {@code k} carries the FIN. */
  public boolean segmentHasFin(int k) {
    return (scoreboard.flags(k) & Scoreboard.FIN) != 0;
  }

  /** Entry {@code k} is being sent again. */
  public void onRetransmitted(int k, long now) {
    final int length = scoreboard.end(k) - scoreboard.start(k);
    scoreboard.onRetransmitted(k, now);
    retransmittedSegments++;
    if (lossState == RECOVERY) {
      prrOut += length;
    }
  }

  /** New sequence space {@code [seq, seqEnd)} went out, after the connection armed its RTO. */
  public void onSent(long now, int seq, int seqEnd, boolean fin) {
    scoreboard.onSent(seq, seqEnd, now, fin);
    if (lossState == RECOVERY) {
      prrOut += seqEnd - seq;
    }
    if (probesSent == 0) {
      armProbeTimer(now);
    }
  }

  /**
   * Bytes the congestion state lets into the network: PRR's window in recovery; otherwise the
   * congestion window, plus Limited Transmit without SACK (RFC 3042 section 2: each of the first
   * two duplicate ACKs lets one new segment out; with SACK the pipe already excludes what the peer
   * holds).
   */
  public int congestionLimit() {
    if (lossState == RECOVERY) {
      return prrCwnd;
    }
    if (!sack && lossState == OPEN) {
      return cc.window() + Math.min(dupAcks, 2) * c.sendMss();
    }
    return cc.window();
  }

  /**
   * Bytes presumed in the network (RFC 6675 section 4): outstanding, less what the peer SACKed and
   * what is marked lost and not yet resent. Without SACK, each duplicate ACK during recovery stands
   * for one segment that left the network.
   */
  public int pipe() {
    final int p = scoreboard.pipe(c.sndUna(), c.sndMax());
    return !sack && lossState == RECOVERY ? Math.max(0, p - dupAcks * c.sendMss()) : p;
  }

  // ---- Counters ----------------------------------------------------------------------------

  /**
   * Segments sent again (marked lost by RACK, duplicate or partial ACKs, or a timeout; or probes).
   */
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
}
