package io.weft.netstack.tcp;

import io.weft.netstack.tcp.recovery.LossRecovery;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import java.nio.ByteBuffer;

/**
 * One TCP connection: the transmission control block and the event processing of RFC 9293 section
 * 3.10. Not thread-safe: the interface calls {@link #process} and {@link #dispatch} and users call
 * {@link #send}/{@link #recv} under one lock.
 *
 * <p>The connection is split by flow, as one sealed chain over the control block ({@link
 * TcpControlBlock}): the input half ({@link TcpInput#process}) follows section 3.10.7 step by step;
 * the output half ({@link TcpOutput#dispatch}) writes at most one segment per call into a caller
 * buffer: a SYN, a retransmission of a segment loss recovery marks lost, a tail loss probe, new
 * data (sender SWS avoidance and Nagle, section 3.7.4 and 3.8.6.2.1; several MSS at once when the
 * buffer is larger than the MTU), a FIN, a zero-window probe (section 3.8.6.1) or a pure ACK
 * (delayed per section 3.8.6.3). Timers ({@link #onTimer}) cover retransmission (RFC 6298 section
 * 5), RACK's reordering window and the probe timeout (RFC 8985), persist, delayed ACK and
 * TIME_WAIT. Loss recovery (RACK-TLP, PRR, NewReno) is {@link LossRecovery}'s, in {@code
 * tcp.recovery}.
 */
public final class TcpSocket extends TcpInput {
  private TcpSocket(
      TcpConfig config,
      IpAddress localAddress,
      int localPort,
      IpAddress remoteAddress,
      int remotePort,
      int localMss,
      TcpListener parent,
      int iss,
      int tsOffset) {
    super(
        config,
        localAddress,
        localPort,
        remoteAddress,
        remotePort,
        localMss,
        parent,
        iss,
        tsOffset);
  }

  /**
   * An active open (RFC 9293 section 3.10.1): the socket starts in SYN_SENT and its first {@link
   * #dispatch} sends the SYN.
   *
   * @param localMss the largest segment payload the local link carries (MTU - IP - 20)
   */
  public static TcpSocket connect(
      TcpConfig config,
      IpAddress localAddress,
      int localPort,
      IpAddress remoteAddress,
      int remotePort,
      int localMss,
      int iss,
      int tsOffset) {
    TcpSocket s =
        new TcpSocket(
            config,
            localAddress,
            localPort,
            remoteAddress,
            remotePort,
            localMss,
            null,
            iss,
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
  public static TcpSocket accept(
      TcpListener listener,
      IpAddress localAddress,
      IpAddress remoteAddress,
      int localMss,
      int iss,
      int tsOffset,
      TcpPacket syn,
      TcpOptions options) {
    TcpSocket s =
        new TcpSocket(
            listener.config(),
            localAddress,
            syn.destinationPort(),
            remoteAddress,
            syn.sourcePort(),
            localMss,
            listener,
            iss,
            tsOffset);
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
  // Timers (RFC 6298 section 5, RFC 9293 sections 3.8.6.1 and 3.10.8)
  // ----------------------------------------------------------------------------------------

  /** The earliest time {@link #onTimer} has work, or {@link #NEVER}. */
  public long nextDeadline() {
    long d = Math.min(rtoDeadline, timeWaitDeadline);
    d = Math.min(d, persistDeadline);
    d = Math.min(d, recovery.nextDeadline());
    return ackPending ? Math.min(d, ackDeadline) : d;
  }

  /**
   * True when a control segment (SYN, RST, ACK, tail loss probe, window probe) is due. Queued data
   * is not counted: {@link #dispatch} sends it whenever windows allow, and what it holds back waits
   * for an ACK or a timer.
   */
  public boolean wantsToSend() {
    return rstDue || synDue || ackNow || recovery.wantsToSend() || probeDue;
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
    recovery.onTimer(now);
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
    recovery.onRetransmitTimeout(now);
  }

  // ----------------------------------------------------------------------------------------
  // User calls (RFC 9293 section 3.10: SEND, RECEIVE, CLOSE, ABORT)
  // ----------------------------------------------------------------------------------------

  /**
   * Queues bytes from {@code src} (position to limit) for sending; advances its position and
   * returns the count queued, 0 when the buffer is full, or -1 once sending is shut down.
   */
  public int send(ByteBuffer src) {
    if (closeRequested
        || !(state == TcpState.ESTABLISHED
            || state == TcpState.CLOSE_WAIT
            || state == TcpState.SYN_SENT
            || state == TcpState.SYN_RECEIVED)) {
      return -1;
    }
    final int n = tx.enqueue(src, src.position(), src.remaining());
    src.position(src.position() + n);
    return n;
  }

  /**
   * Moves received bytes into {@code dst} (from its position); returns the count, 0 when none are
   * ready yet, or -1 at end of stream (the peer's FIN, a reset or a timeout).
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
    if (state.receivesData()
        && free - lastAdvertisedWindow >= Math.min(rx.capacity() / 2, sendMss)
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
   * Full close: the application will neither send nor read again. With unread data this resets the
   * connection instead (RFC 2525 section 2.17, as BSD and Linux do); otherwise it sends FIN after
   * the queued data, data arriving afterwards is answered with a reset, and a FIN_WAIT_2 that the
   * peer never ends is abandoned after the TIME_WAIT period.
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
      default -> {}
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
  public boolean matches(
      IpAddress source, int sourcePort, IpAddress destination, int destinationPort) {
    return sourcePort == remotePort
        && destinationPort == localPort
        && remoteAddress.equals(source)
        && localAddress.equals(destination);
  }

  /** Matches without allocating: addresses given as their two longs. */
  public boolean matches(
      long srcHi, long srcLo, int sourcePort, long dstHi, long dstLo, int destinationPort) {
    return sourcePort == remotePort
        && destinationPort == localPort
        && remoteAddress.hi() == srcHi
        && remoteAddress.lo() == srcLo
        && localAddress.hi() == dstHi
        && localAddress.lo() == dstLo;
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

  /**
   * Segments sent again (marked lost by RACK, duplicate or partial ACKs, or a timeout; or probes).
   */
  public long retransmittedSegments() {
    return recovery.retransmittedSegments();
  }

  /** Tail loss probes sent (RFC 8985 section 7). */
  public long tailLossProbes() {
    return recovery.tailLossProbes();
  }

  /** Times fast recovery was entered (one congestion response each). */
  public long recoveryEpisodes() {
    return recovery.recoveryEpisodes();
  }

  @Override
  public String toString() {
    return "TcpSocket["
        + localAddress
        + ":"
        + localPort
        + " -> "
        + remoteAddress
        + ":"
        + remotePort
        + " "
        + state
        + " una="
        + Integer.toUnsignedString(sndUna)
        + " nxt="
        + Integer.toUnsignedString(sndNxt)
        + " rcvNxt="
        + Integer.toUnsignedString(rcvNxt)
        + " wnd="
        + sndWnd
        + " cwnd="
        + cc.window()
        + "]";
  }
}
