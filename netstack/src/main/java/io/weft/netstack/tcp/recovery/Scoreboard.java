package io.weft.netstack.tcp.recovery;

import static io.weft.netstack.tcp.SeqNum.gt;
import static io.weft.netstack.tcp.SeqNum.le;
import static io.weft.netstack.tcp.SeqNum.lt;

import io.weft.netstack.wire.TcpOptions;

/**
 * The sender's record of every segment between SND.UNA and SND.MAX, in sequence order: its range,
 * when it was last (re)transmitted, and whether the peer SACKed it, it is deemed lost, or it was
 * retransmitted. It is the RFC 6675 scoreboard kept per segment, and it carries the RACK state of
 * RFC 8985 (the send time, end and RTT of the most recently sent segment the peer delivered), so
 * loss is detected by time: a segment sent before one the peer delivered, and not delivered itself
 * within an RTT plus a reordering window, is lost. A lost retransmission is found the same way,
 * without waiting for the retransmission timer.
 *
 * <p>SACK marks survive a retransmission timeout (RFC 6675 section 5.1): after a timeout only
 * segments the peer has not SACKed are marked lost, unless the peer evidently reneged (the segment
 * at SND.UNA is marked SACKed, which a receiver holding it would have acknowledged), in which case
 * all marks are dropped (RFC 2018 section 8).
 *
 * <p>Storage is a ring of primitive arrays that doubles when full and never shrinks, so a
 * connection in steady state allocates nothing.
 */
final class Scoreboard {
  static final int SACKED = 1;
  static final int LOST = 2;
  static final int RETRANSMITTED = 4;
  static final int FIN = 8;

  /**
   * RFC 8985 section 6.2: DupThresh, the SACKed segments after which reordering is not waited for.
   */
  private static final int DUP_THRESH = 3;

  private int[] start = new int[64];
  private int[] end = new int[64];
  private long[] sent = new long[64];
  private byte[] flags = new byte[64];
  private int head;
  private int count;

  /** Bytes (sequence numbers) in entries marked SACKED. */
  private int sackedBytes;

  private int sackedSegments;

  /** Bytes in entries marked LOST and not yet retransmitted. */
  private int lostBytes;

  /** Entries before this logical offset from head carry no LOST flag. */
  private int lostHint;

  // RACK (RFC 8985 section 6.1).
  private long rackSent = Long.MIN_VALUE;
  private int rackEnd;
  private long rackRtt;
  private boolean rackValid;
  private long minRtt = Long.MAX_VALUE;
  private boolean reorderingSeen;

  /** Highest sequence number delivered (cumulatively or SACKed), for reordering detection. */
  private int fack;

  private boolean fackValid;

  // Outcomes of the last update, for the caller's accounting.
  private int newlySacked;

  /** Forgets everything (a new connection on a reused object). */
  void clear() {
    head = 0;
    count = 0;
    sackedBytes = 0;
    sackedSegments = 0;
    lostBytes = 0;
    lostHint = 0;
    rackValid = false;
    rackSent = Long.MIN_VALUE;
    fackValid = false;
  }

  int count() {
    return count;
  }

  int sackedBytes() {
    return sackedBytes;
  }

  int lostBytes() {
    return lostBytes;
  }

  boolean reorderingSeen() {
    return reorderingSeen;
  }

  /** The smallest RTT seen on a segment sent once, or {@link Long#MAX_VALUE}. */
  long minRtt() {
    return minRtt;
  }

  /** Bytes SACKed by the last {@link #onSack} call that were not SACKed before. */
  int newlySacked() {
    return newlySacked;
  }

  /** Bytes presumed in the network: outstanding minus SACKed minus lost and not retransmitted. */
  int pipe(int sndUna, int sndMax) {
    return Math.max(0, (sndMax - sndUna) - sackedBytes - lostBytes);
  }

  // ----------------------------------------------------------------------------------------
  // Sending
  // ----------------------------------------------------------------------------------------

  /** A new segment [{@code seq}, {@code seqEnd}) went out at {@code now}. */
  void onSent(int seq, int seqEnd, long now, boolean fin) {
    if (count == start.length) {
      grow();
    }
    final int i = (head + count) & (start.length - 1);
    start[i] = seq;
    end[i] = seqEnd;
    sent[i] = now;
    flags[i] = (byte) (fin ? FIN : 0);
    count++;
  }

  /** Entry {@code k} (logical, from SND.UNA) was sent again at {@code now}. */
  void onRetransmitted(int k, long now) {
    final int i = slot(k);
    if ((flags[i] & LOST) != 0) {
      lostBytes -= end[i] - start[i];
    }
    flags[i] = (byte) ((flags[i] & ~LOST) | RETRANSMITTED);
    sent[i] = now;
  }

  /** The first entry marked lost and not retransmitted since, or -1. */
  int firstLost() {
    if (lostBytes == 0) {
      return -1;
    }
    for (int k = lostHint; k < count; k++) {
      if ((flags[slot(k)] & LOST) != 0) {
        lostHint = k;
        return k;
      }
    }
    lostHint = count;
    return -1;
  }

  /** The first entry the peer has not SACKed (for a probe during recovery), or -1. */
  int firstUnsacked() {
    for (int k = 0; k < count; k++) {
      if ((flags[slot(k)] & SACKED) == 0) {
        return k;
      }
    }
    return -1;
  }

  /** The last entry the peer has not SACKed (for a tail loss probe), or -1. */
  int lastUnsacked() {
    for (int k = count - 1; k >= 0; k--) {
      if ((flags[slot(k)] & SACKED) == 0) {
        return k;
      }
    }
    return -1;
  }

  int start(int k) {
    return start[slot(k)];
  }

  int end(int k) {
    return end[slot(k)];
  }

  int flags(int k) {
    return flags[slot(k)];
  }

  /** Marks entry {@code k} lost (a duplicate-ACK or partial-ACK retransmission without SACK). */
  void markLost(int k) {
    final int i = slot(k);
    if ((flags[i] & (LOST | SACKED)) == 0) {
      flags[i] |= LOST;
      lostBytes += end[i] - start[i];
      lostHint = Math.min(lostHint, k);
    }
  }

  // ----------------------------------------------------------------------------------------
  // Acknowledgments
  // ----------------------------------------------------------------------------------------

  /** SND.UNA advanced to {@code ack}: drops covered entries, each delivered for RACK. */
  void onCumulativeAck(int ack, long now) {
    while (count > 0 && le(end[head], ack)) {
      final int i = head;
      final int f = flags[i];
      final int length = end[i] - start[i];
      if ((f & SACKED) != 0) {
        sackedBytes -= length;
        sackedSegments--;
      } else {
        if ((f & LOST) != 0) {
          lostBytes -= length;
        }
        delivered(i, now);
      }
      head = (head + 1) & (start.length - 1);
      count--;
      lostHint = Math.max(0, lostHint - 1);
    }
    if (count > 0 && gt(ack, start[head])) {
      // Part of the first segment was acknowledged: shorten it.
      final int trimmed = ack - start[head];
      final int f = flags[head];
      if ((f & SACKED) != 0) {
        sackedBytes -= trimmed;
      } else if ((f & LOST) != 0) {
        lostBytes -= trimmed;
      }
      start[head] = ack;
    }
  }

  /** Marks the entries the SACK blocks cover whole (RFC 2018 section 3, RFC 6675 section 3). */
  void onSack(TcpOptions opts, int sndUna, int sndMax, long now) {
    newlySacked = 0;
    for (int b = 0; b < opts.sackBlocks; b++) {
      final int left = opts.sackLeft[b];
      final int right = opts.sackRight[b];
      if (!gt(right, left) || !gt(right, sndUna) || gt(right, sndMax)) {
        continue; // empty, old (a D-SACK or stale block), or beyond what was sent
      }
      for (int k = firstEndingAfter(left); k < count; k++) {
        final int i = slot(k);
        if (gt(end[i], right)) {
          break;
        }
        if (lt(start[i], left)) {
          continue; // only partly covered: not marked
        }
        final int f = flags[i];
        if ((f & SACKED) != 0) {
          continue;
        }
        final int length = end[i] - start[i];
        if ((f & LOST) != 0) {
          lostBytes -= length;
        }
        flags[i] = (byte) ((f & ~LOST) | SACKED);
        sackedBytes += length;
        sackedSegments++;
        newlySacked += length;
        delivered(i, now);
      }
    }
  }

  /** Logical index of the first entry whose end is after {@code seq} (binary search). */
  private int firstEndingAfter(int seq) {
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      final int mid = (lo + hi) >>> 1;
      if (gt(end[slot(mid)], seq)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** RFC 8985 section 6.2 step 2: RACK_update for a segment the peer now holds. */
  private void delivered(int i, long now) {
    final long rtt = now - sent[i];
    final boolean retransmitted = (flags[i] & RETRANSMITTED) != 0;
    if (retransmitted && rtt < minRtt) {
      return; // probably the original's delivery, not the retransmission's
    }
    if (!retransmitted) {
      minRtt = Math.min(minRtt, Math.max(rtt, 0));
      // Step 3: a segment sent once arrived below one delivered earlier: the path reorders.
      if (fackValid && lt(end[i], fack)) {
        reorderingSeen = true;
      }
    }
    if (!fackValid || gt(end[i], fack)) {
      fack = end[i];
      fackValid = true;
    }
    if (!rackValid || sent[i] > rackSent || (sent[i] == rackSent && gt(end[i], rackEnd))) {
      rackSent = sent[i];
      rackEnd = end[i];
      rackRtt = Math.max(rtt, 0);
      rackValid = true;
    }
  }

  // ----------------------------------------------------------------------------------------
  // Loss detection
  // ----------------------------------------------------------------------------------------

  /**
   * RFC 8985 section 6.2 step 4: the reordering window. Zero once three segments are SACKed or in
   * recovery, unless this path has reordered; else a quarter of the minimum RTT, at most SRTT.
   */
  long reorderingWindow(boolean inRecovery, long srtt) {
    if (!reorderingSeen && (inRecovery || sackedSegments >= DUP_THRESH)) {
      return 0;
    }
    if (minRtt == Long.MAX_VALUE) {
      return 0;
    }
    return Math.min(minRtt / 4, srtt);
  }

  /**
   * RFC 8985 section 6.2 step 5 (RACK_detect_loss): marks lost every segment sent before the most
   * recently sent delivered one that has been out longer than RACK.rtt + {@code reoWnd}. Returns
   * the time when the next such segment would expire (the reordering timer), or {@link
   * Long#MAX_VALUE}.
   */
  long detectLoss(long now, long reoWnd) {
    if (!rackValid) {
      return Long.MAX_VALUE;
    }
    long timer = Long.MAX_VALUE;
    for (int k = 0; k < count; k++) {
      final int i = slot(k);
      final int f = flags[i];
      final long t = sent[i];
      if ((f & RETRANSMITTED) != 0) {
        if (t >= rackSent) {
          continue; // a retransmission is only judged by segments sent strictly after it
        }
      } else if (t > rackSent || (t == rackSent && !lt(end[i], rackEnd))) {
        break; // segments sent once leave in sequence order: none later is older
      }
      if ((f & (SACKED | LOST)) != 0) {
        continue;
      }
      final long expiry = t + rackRtt + reoWnd;
      if (expiry <= now) {
        flags[i] = (byte) (f | LOST);
        lostBytes += end[i] - start[i];
        lostHint = Math.min(lostHint, k);
      } else {
        timer = Math.min(timer, expiry);
      }
    }
    return timer;
  }

  /**
   * RFC 8985 section 6.3: on a retransmission timeout the first segment is lost, and so is every
   * segment not SACKed that has been out longer than RACK.rtt + {@code reoWnd}.
   */
  void markLossesOnTimeout(long now, long reoWnd) {
    if (count == 0) {
      return;
    }
    if ((flags[head] & SACKED) != 0) {
      // The peer dropped data it had SACKed (reneging): trust none of the marks.
      for (int k = 0; k < count; k++) {
        flags[slot(k)] &= ~SACKED;
      }
      sackedBytes = 0;
      sackedSegments = 0;
    }
    final long window = rackValid ? rackRtt + reoWnd : 0;
    for (int k = 0; k < count; k++) {
      final int i = slot(k);
      final int f = flags[i];
      if ((f & (SACKED | LOST)) != 0) {
        continue;
      }
      if (k == 0 || sent[i] + window <= now) {
        flags[i] = (byte) (f | LOST);
        lostBytes += end[i] - start[i];
      }
    }
    lostHint = 0;
  }

  private int slot(int k) {
    return (head + k) & (start.length - 1);
  }

  private void grow() {
    final int n = start.length;
    final int[] s = new int[n * 2];
    final int[] e = new int[n * 2];
    final long[] t = new long[n * 2];
    final byte[] f = new byte[n * 2];
    for (int k = 0; k < count; k++) {
      final int i = slot(k);
      s[k] = start[i];
      e[k] = end[i];
      t[k] = sent[i];
      f[k] = flags[i];
    }
    start = s;
    end = e;
    sent = t;
    flags = f;
    head = 0;
  }
}
