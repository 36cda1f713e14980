package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.SeqNum.ge;
import static io.weft.netstack.tcp.SeqNum.gt;
import static io.weft.netstack.tcp.SeqNum.le;
import static io.weft.netstack.tcp.SeqNum.lt;

import io.weft.netstack.tcp.recovery.LossRecovery;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import java.nio.ByteBuffer;

/**
 * Segment arrival (RFC 9293 section 3.10.7): {@link #process} takes the section's steps in order,
 * one method each, after the SYN_SENT case (section 3.10.7.3).
 */
abstract sealed class TcpInput extends TcpOutput permits TcpSocket {
  TcpInput(
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
   * Processes one incoming segment addressed to this connection; options already parsed. In a
   * synchronized state (and SYN_RECEIVED) the steps of RFC 9293 section 3.10.7.4 run in order, each
   * returning false when the segment has been dealt with.
   */
  public void process(long now, TcpPacket seg, TcpOptions opts) {
    switch (state) {
      case CLOSED, LISTEN -> {
        return;
      }
      case SYN_SENT -> {
        processSynSent(now, seg, opts);
        return;
      }
      default -> {}
    }
    if (repeatedSyn(now, seg)
        || !checkSequence(now, seg, opts)
        || !checkReset(seg)
        || !checkSyn(seg)
        || !checkAck(now, seg, opts)) {
      return;
    }
    // Sixth, the URG bit: urgent data is delivered in line, the pointer ignored (RFC 6093
    // section 6 advises new applications against it; RFC 9293 section 3.8.5).
    if (!processText(now, seg)) {
      return;
    }
    processFin(now, seg);
  }

  /**
   * SYN_RECEIVED: a repeated SYN means our SYN-ACK was lost; a SYN-ACK is a simultaneous open. True
   * when the segment was that.
   */
  boolean repeatedSyn(long now, TcpPacket seg) {
    final int flags = seg.flags();
    if (state == TcpState.SYN_RECEIVED
        && (flags & TcpPacket.SYN) != 0
        && seg.sequence() == irs
        && (flags & TcpPacket.RST) == 0) {
      if ((flags & TcpPacket.ACK) != 0 && seg.acknowledgment() == iss + 1) {
        establish(now, seg);
        ackNow = true;
      } else {
        synDue = true;
      }
      return true;
    }
    return false;
  }

  /** First: sequence number acceptability, with PAWS (RFC 7323 section 5.3) in front. */
  boolean checkSequence(long now, TcpPacket seg, TcpOptions opts) {
    final int seq = seg.sequence();
    final boolean rst = seg.has(TcpPacket.RST);
    if (timestamps && opts.timestamps && !rst && lt(opts.tsVal, tsRecent)) {
      ackNow = true;
      return false;
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
      return false;
    }
    if (timestamps && opts.timestamps && le(seq, lastAckSent) && ge(opts.tsVal, tsRecent)) {
      tsRecent = opts.tsVal;
    }
    return true;
  }

  /**
   * Second: RST, accepted only at exactly RCV.NXT, else a challenge ACK (RFC 5961 section 3.2).
   * (The third check, security, does not apply: no IPsec compartments here.)
   */
  boolean checkReset(TcpPacket seg) {
    if (!seg.has(TcpPacket.RST)) {
      return true;
    }
    if (seg.sequence() != rcvNxt) {
      ackNow = true;
      return false;
    }
    if (state == TcpState.SYN_RECEIVED && parent != null) {
      parent.onHalfOpenFailed();
      enterClosed(TcpError.NONE);
    } else if (state == TcpState.CLOSING
        || state == TcpState.LAST_ACK
        || state == TcpState.TIME_WAIT) {
      enterClosed(TcpError.NONE);
    } else {
      enterClosed(TcpError.RESET);
    }
    return false;
  }

  /** Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 section 4). */
  boolean checkSyn(TcpPacket seg) {
    if (seg.has(TcpPacket.SYN)) {
      ackNow = true;
      return false;
    }
    return true;
  }

  /** Fifth: the ACK field, the send window update and the FIN-acknowledged transitions. */
  boolean checkAck(long now, TcpPacket seg, TcpOptions opts) {
    final int flags = seg.flags();
    if ((flags & TcpPacket.ACK) == 0) {
      return false;
    }
    final int seq = seg.sequence();
    final int ack = seg.acknowledgment();
    if (state == TcpState.SYN_RECEIVED) {
      if (gt(ack, sndUna) && le(ack, sndNxt)) {
        establish(now, seg);
      } else {
        sendReset(ack);
        return false;
      }
    }
    if (gt(ack, sndMax)) {
      ackNow = true;
      return false;
    }
    final boolean duplicateCandidate =
        ack == sndUna
            && seg.payloadLength() == 0
            && (flags & (TcpPacket.SYN | TcpPacket.FIN)) == 0
            && sndMax != sndUna
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
          return false;
        }
      }
      default -> {}
    }
    return true;
  }

  /** Seventh: segment text; false when the connection closed on it. */
  boolean processText(long now, TcpPacket seg) {
    if (seg.payloadLength() > 0) {
      if (state.receivesData()) {
        receiveText(now, seg.sequence(), seg);
        if (state == TcpState.CLOSED) {
          return false;
        }
      } else {
        ackNow = true;
      }
    }
    return true;
  }

  /** Eighth: FIN, processed once all data before it has arrived. */
  void processFin(long now, TcpPacket seg) {
    if (seg.has(TcpPacket.FIN)) {
      peerFinSeen = true;
      peerFinSeq = seg.sequence() + seg.payloadLength();
    }
    if (peerFinSeen && !finReceived && rcvNxt == peerFinSeq) {
      onFin(now);
    }
  }

  void processSynSent(long now, TcpPacket seg, TcpOptions opts) {
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

  void applySynOptions(TcpOptions o) {
    final int peerMss =
        o.mss != 0 ? o.mss : (remoteAddress.isV4() ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6);
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
    recovery.setSack(sack);
    sendMss =
        Math.max(Math.min(peerMss, localMss) - (timestamps ? TIMESTAMPS_OPTION_LENGTH : 0), 64);
    cc.setMss(sendMss);
  }

  void establish(long now, TcpPacket seg) {
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
      parent.onEstablished((TcpSocket) this); // the chain is sealed: this is a TcpSocket
    }
  }

  boolean acceptable(int seq, int segLen) {
    final int window = rx.free();
    if (segLen == 0) {
      return window == 0 ? seq == rcvNxt : SeqNum.inWindow(seq, rcvNxt, window);
    }
    if (window == 0) {
      return false;
    }
    return SeqNum.inWindow(seq, rcvNxt, window)
        || SeqNum.inWindow(seq + segLen - 1, rcvNxt, window);
  }

  /**
   * The ACK field of an acceptable segment: cumulative acknowledgment here, then SACK blocks, loss
   * detection, the rate reduction of recovery and the tail loss probe's outcome in {@link
   * LossRecovery}.
   */
  void onAcknowledgment(long now, int ack, TcpOptions opts, boolean duplicateCandidate) {
    final int unaBefore = sndUna;
    final int sackedBefore = recovery.sackedBytes();
    boolean duplicate = false;
    if (gt(ack, sndUna)) {
      onNewAck(now, ack, opts);
    } else if (duplicateCandidate) {
      duplicate = true;
      recovery.onDuplicateAck(now);
    }
    recovery.afterAck(now, ack, opts, unaBefore, sackedBefore, duplicate);
  }

  void onNewAck(long now, int ack, TcpOptions opts) {
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
    recovery.onCumulativeAck(ack, now);
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
    recovery.onNewAck(now, ack, acked);
    rtoDeadline = sndMax == sndUna ? NEVER : now + rtt.rto();
  }

  void receiveText(long now, int seq, TcpPacket seg) {
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

  void onFin(long now) {
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
      default -> {}
    }
  }
}
