package io.weft.netstack.tcp;

import io.weft.netstack.storage.Assembler;
import io.weft.netstack.storage.RingBuffer;
import io.weft.netstack.tcp.cc.CongestionControl;
import io.weft.netstack.tcp.recovery.LossRecovery;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;

/**
 * The transmission control block of one TCP connection (RFC 9293 section 3.3.1): the send and
 * receive sequence variables, the options in force, the output triggers and timers, and the
 * transitions every flow takes (TIME_WAIT, CLOSED, a reset due). The flows are its subclasses, in
 * one chain so they share these fields without indirection: {@link TcpOutput} (segments out),
 * {@link TcpInput} (segment arrival, RFC 9293 section 3.10.7) and {@link TcpSocket} (timers and the
 * user calls). Loss recovery is {@link LossRecovery}'s.
 */
abstract sealed class TcpControlBlock permits TcpOutput {
  /** Deadline value meaning "not armed". */
  public static final long NEVER = Long.MAX_VALUE;

  // Specification constants.
  /** Default send MSS when the peer sent no MSS option: RFC 9293 section 3.7.1 (MUST-15). */
  static final int DEFAULT_MSS_V4 = 536;

  static final int DEFAULT_MSS_V6 = 1220;

  /** Bytes of a timestamps option with its two NOPs (RFC 7323 appendix A layout). */
  static final int TIMESTAMPS_OPTION_LENGTH = 12;

  // Implementation constants.
  /**
   * A full-sized segment every this many triggers an immediate ACK (RFC 9293 section 3.8.6.3,
   * SHLD-19).
   */
  static final int ACK_EVERY_SEGMENTS = 2;

  final TcpConfig config;
  final IpAddress localAddress;
  final IpAddress remoteAddress;
  final int localPort;
  final int remotePort;
  final int localMss;
  final TcpListener parent;
  final RingBuffer tx;
  final RingBuffer rx;
  final Assembler outOfOrder = new Assembler(32);
  final RttEstimator rtt;
  final TcpOptions txOptions = new TcpOptions();
  final TcpPacket txSegment = new TcpPacket();
  final int tsOffset;

  TcpState state = TcpState.CLOSED;
  TcpError error = TcpError.NONE;
  CongestionControl cc;

  // Send sequence variables (RFC 9293 section 3.3.1), plus SND.MAX: the highest sequence sent.
  int iss;
  int sndUna;
  int sndNxt;
  int sndMax;
  int sndWnd;
  int sndWl1;
  int sndWl2;
  int maxSndWnd;
  int sndShift;
  int sendMss;
  boolean synAcked;
  boolean closeRequested;

  /** The application closed both directions and will not read again. */
  boolean orphaned;

  boolean finSent;
  boolean finEverSent;
  int finSeq;

  // Receive sequence variables.
  int irs;
  int rcvNxt;
  int rcvShift;
  int lastAdvertisedWindow;
  boolean peerFinSeen;
  int peerFinSeq;
  boolean finReceived;
  int lastOutOfOrderOffset = -1;

  /** A duplicate segment to report in the next ACK's first SACK block (RFC 2883 section 4). */
  boolean dsackDue;

  int dsackLeft;
  int dsackRight;

  // Options in force.
  boolean timestamps;
  boolean sack;
  boolean windowScaleAgreed;
  int tsRecent;
  int lastAckSent;

  // Output triggers.
  boolean synDue;
  boolean ackNow;
  boolean ackPending;
  int segmentsSinceAck;
  boolean probeDue;
  boolean rstDue;
  int rstSeq;
  int ipIdentification;

  // Timers.
  long rtoDeadline = NEVER;
  long ackDeadline = NEVER;
  long persistDeadline = NEVER;
  long persistInterval;
  long timeWaitDeadline = NEVER;
  int retransmits;

  // RTT sampling without timestamps (Karn: only segments never retransmitted).
  boolean rttTiming;
  int rttSeq;
  long rttStart;

  long retransmissionTimeouts;
  Object attachment;

  /**
   * Loss recovery (package {@code tcp.recovery}); it reads the send side through {@link Flight}.
   */
  final LossRecovery recovery;

  TcpControlBlock(
      TcpConfig config,
      IpAddress localAddress,
      int localPort,
      IpAddress remoteAddress,
      int remotePort,
      int localMss,
      TcpListener parent,
      int iss,
      int tsOffset) {
    this.config = config;
    this.localAddress = localAddress;
    this.localPort = localPort;
    this.remoteAddress = remoteAddress;
    this.remotePort = remotePort;
    this.localMss = localMss;
    this.parent = parent;
    this.tx = new RingBuffer(config.sendBufferSize());
    this.rx = new RingBuffer(config.receiveBufferSize());
    this.rtt =
        new RttEstimator(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
    this.tsOffset = tsOffset;
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.sendMss = Math.min(localMss, remoteAddress.isV4() ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6);
    this.cc = config.congestionControl().apply(sendMss);
    this.recovery = new LossRecovery(new Flight(), cc, rtt, iss);
  }

  /** The send side as loss recovery sees it. */
  private final class Flight implements LossRecovery.Connection {
    @Override
    public int sndUna() {
      return sndUna;
    }

    @Override
    public int sndNxt() {
      return sndNxt;
    }

    @Override
    public int sndMax() {
      return sndMax;
    }

    @Override
    public int sendMss() {
      return sendMss;
    }

    @Override
    public int sndWnd() {
      return sndWnd;
    }

    @Override
    public int dataEnd() {
      return sndUna + tx.length();
    }

    @Override
    public long rtoDeadline() {
      return rtoDeadline;
    }

    @Override
    public boolean synAcked() {
      return synAcked;
    }

    @Override
    public boolean isSynchronized() {
      return state.isSynchronized();
    }

    @Override
    public void cancelRttSample() {
      rttTiming = false;
    }
  }

  void enterTimeWait(long now) {
    state = TcpState.TIME_WAIT;
    timeWaitDeadline = now + config.timeWaitNanos();
    rtoDeadline = NEVER;
    persistDeadline = NEVER;
    recovery.stopTimers();
    probeDue = false;
  }

  void enterClosed(TcpError why) {
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
    recovery.stopTimers();
    probeDue = false;
  }

  void sendReset(int seq) {
    rstDue = true;
    rstSeq = seq;
  }

  int tsNow(long now) {
    return (int) (now / 1_000_000L) + tsOffset;
  }
}
