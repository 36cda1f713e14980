package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.SeqNum.gt;

import io.weft.netstack.tcp.recovery.LossRecovery;
import io.weft.netstack.wire.IpAddress;
import io.weft.netstack.wire.IpHeader;
import io.weft.netstack.wire.IpProtocol;
import io.weft.netstack.wire.TcpOptions;
import io.weft.netstack.wire.TcpPacket;
import java.nio.ByteBuffer;

/**
 * A connection's output (RFC 9293 sections 3.7 and 3.8): {@link #dispatch} writes at most one
 * segment per call into a caller buffer: a SYN, a retransmission of a segment loss recovery marks
 * lost, a tail loss probe, new data (sender SWS avoidance and Nagle, section 3.7.4 and 3.8.6.2.1;
 * several MSS at once when the buffer is larger than the MTU), a FIN, a zero-window probe (section
 * 3.8.6.1) or a pure ACK (delayed per section 3.8.6.3).
 */
abstract sealed class TcpOutput extends TcpControlBlock permits TcpInput {
  TcpOutput(
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
   * Writes the next due segment as a whole IP packet at index 0 of {@code out} (whose capacity is
   * the link MTU) and returns its length, or returns 0 when nothing is due.
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
      default -> {}
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

  int dispatchData(long now, ByteBuffer out) {
    final int dataEnd = sndUna + tx.length();
    // Segments marked lost go first, as the congestion window allows (RFC 6675 NextSeg rule 1).
    final int lost = recovery.nextRetransmission();
    if (lost >= 0) {
      return retransmit(now, out, lost);
    }
    if (recovery.takeProbeDue()) {
      final int n = sendProbe(now, out, dataEnd);
      if (n > 0) {
        return n;
      }
    }
    final int unsent = dataEnd - sndNxt;
    if (unsent > 0) {
      final int inFlight = sndNxt - sndUna;
      final int usable = Math.min(sndWnd - inFlight, recovery.congestionLimit() - recovery.pipe());
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
  int maxPayload(ByteBuffer out) {
    final int room = out.capacity() - IpHeader.length(localAddress) - TcpPacket.MAX_HEADER_LENGTH;
    return Math.max(sendMss, room / sendMss * sendMss);
  }

  /**
   * Sends {@code length} new bytes from SND.NXT, with FIN when they are the last and a close is
   * pending.
   */
  int sendNew(long now, ByteBuffer out, int dataEnd, int length) {
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
  int retransmit(long now, ByteBuffer out, int k) {
    final int seq = recovery.segmentStart(k);
    final int length = recovery.segmentEnd(k) - seq;
    final boolean fin = recovery.segmentHasFin(k);
    recovery.onRetransmitted(k, now);
    if (rtoDeadline == NEVER) {
      rtoDeadline = now + rtt.rto();
    }
    return emit(
        out,
        now,
        seq,
        TcpPacket.ACK | (fin ? TcpPacket.FIN : 0),
        seq - sndUna,
        length - (fin ? 1 : 0));
  }

  /**
   * The tail loss probe (RFC 8985 section 7.3): one new segment if the peer's window allows, else
   * the last segment not SACKed again; the retransmission timer restarts.
   */
  int sendProbe(long now, ByteBuffer out, int dataEnd) {
    if (sndMax == sndUna) {
      return 0;
    }
    final int length = Math.min(dataEnd - sndNxt, sendMss);
    final int k = recovery.probeSegment(length > 0 && sndWnd - (sndNxt - sndUna) >= length);
    if (k == LossRecovery.NO_PROBE) {
      return 0;
    }
    final int n =
        k == LossRecovery.PROBE_NEW_DATA
            ? sendNew(now, out, dataEnd, length)
            : retransmit(now, out, k);
    rtoDeadline = now + rtt.rto();
    recovery.onProbeSent(now, k != LossRecovery.PROBE_NEW_DATA);
    return n;
  }

  void advanceSent(long now, int seq, int length, boolean fin) {
    sndNxt = seq + length;
    if (gt(sndNxt, sndMax)) {
      sndMax = sndNxt;
    }
    if (!timestamps && !rttTiming && retransmits == 0) {
      rttTiming = true;
      rttSeq = sndNxt;
      rttStart = now;
    }
    if (rtoDeadline == NEVER) {
      rtoDeadline = now + rtt.rto();
    }
    recovery.onSent(now, seq, seq + length, fin);
  }

  int emitSyn(ByteBuffer out, long now, int flags) {
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

  int emit(ByteBuffer out, long now, int seq, int flags, int dataSkip, int dataLength) {
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
    final int headerLength =
        tcp.emit(localPort, remotePort, seq, ack ? rcvNxt : 0, flags, window, o);
    if (dataLength > 0) {
      tx.peek(dataSkip, out, ipLength + headerLength, dataLength);
    }
    final int segmentLength = headerLength + dataLength;
    tcp.setLength(segmentLength);
    IpHeader.emit(
        out, 0, localAddress, remoteAddress, IpProtocol.TCP, segmentLength, ipIdentification++);
    final long pseudo =
        IpHeader.pseudoHeader(localAddress, remoteAddress, IpProtocol.TCP, segmentLength);
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
  void addSackBlocks(TcpOptions o) {
    final int max = timestamps ? 3 : 4;
    if (dsackDue) {
      dsackDue = false;
      o.addSackBlock(dsackLeft, dsackRight);
    }
    int first = -1;
    for (int i = 0; i < outOfOrder.rangeCount(); i++) {
      if (outOfOrder.rangeStart(i) <= lastOutOfOrderOffset
          && lastOutOfOrderOffset < outOfOrder.rangeEnd(i)) {
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

  /**
   * Writes a reset answering {@code incoming}, which matched no connection (RFC 9293 section
   * 3.10.7.1): with ACK set it is {@code <SEQ=SEG.ACK><CTL=RST>}, else {@code
   * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}. Returns 0 for an incoming reset.
   */
  public static int writeReset(
      ByteBuffer out,
      IpAddress source,
      IpAddress destination,
      TcpPacket incoming,
      TcpPacket scratch) {
    if (incoming.has(TcpPacket.RST)) {
      return 0;
    }
    final int ipLength = IpHeader.length(source);
    final TcpPacket tcp = scratch.wrap(out, ipLength, TcpPacket.MIN_HEADER_LENGTH);
    if (incoming.has(TcpPacket.ACK)) {
      tcp.emit(
          incoming.destinationPort(),
          incoming.sourcePort(),
          incoming.acknowledgment(),
          0,
          TcpPacket.RST,
          0,
          null);
    } else {
      tcp.emit(
          incoming.destinationPort(),
          incoming.sourcePort(),
          0,
          incoming.sequence() + incoming.segmentLength(),
          TcpPacket.RST | TcpPacket.ACK,
          0,
          null);
    }
    IpHeader.emit(out, 0, source, destination, IpProtocol.TCP, TcpPacket.MIN_HEADER_LENGTH, 0);
    tcp.fillChecksum(
        IpHeader.pseudoHeader(source, destination, IpProtocol.TCP, TcpPacket.MIN_HEADER_LENGTH));
    return ipLength + TcpPacket.MIN_HEADER_LENGTH;
  }
}
