package io.weft.netstack.tcp;

import static io.weft.netstack.tcp.SeqNum.gt;
import static io.weft.netstack.tcp.SeqNum.le;

import io.weft.netstack.storage.Assembler;
import io.weft.netstack.wire.TcpOptions;

/**
 * The sender's view of what the peer has SACKed (RFC 6675 section 3, the "scoreboard"), as
 * ranges relative to SND.UNA, and HighRxt, the end of the last hole retransmitted. Holes below
 * the highest SACKed byte count as lost (a byte-based reading of IsLost with DupThresh met).
 */
final class SackScoreboard {
    private final Assembler sacked = new Assembler(32);
    private int highRxt;

    void clear() {
        sacked.clear();
    }

    /** SND.UNA moved forward by {@code acked} bytes. */
    void onCumulativeAck(int acked) {
        sacked.shift(acked);
    }

    /** Recovery starts: nothing has been retransmitted from SND.UNA on. */
    void startRecovery(int sndUna) {
        highRxt = sndUna;
    }

    /** A hole up to {@code end} (a sequence number) was retransmitted. */
    void retransmitted(int end) {
        highRxt = end;
    }

    /** Adds the SACK blocks that lie within [SND.UNA, SND.MAX) (RFC 2018 section 3). */
    void record(TcpOptions opts, int sndUna, int sndMax) {
        for (int i = 0; i < opts.sackBlocks; i++) {
            final int left = SeqNum.max(opts.sackLeft[i], sndUna);
            final int right = opts.sackRight[i];
            if (gt(right, left) && le(right, sndMax)) {
                sacked.add(left - sndUna, right - left);
            }
        }
    }

    /**
     * Bytes presumed in the network (RFC 6675 section 4, "pipe", counted in bytes): outstanding
     * minus SACKed minus the holes above HighRxt below the highest SACKed byte (presumed lost).
     */
    int pipe(int sndUna, int sndMax) {
        int outstanding = sndMax - sndUna;
        int h = Math.max(0, highRxt - sndUna);
        for (int i = 0; i < sacked.rangeCount(); i++) {
            final int start = sacked.rangeStart(i);
            final int end = sacked.rangeEnd(i);
            outstanding -= end - start;
            if (h < start) {
                outstanding -= start - h;
            }
            h = Math.max(h, end);
        }
        return Math.max(outstanding, 0);
    }

    /**
     * NextSeg rule 1 (RFC 6675 section 4): the first hole above HighRxt that has SACKed data
     * after it. Returns its offset from SND.UNA in the high 32 bits and its length in the low 32
     * bits, or -1 when there is none.
     */
    long nextHole(int sndUna) {
        int h = Math.max(0, highRxt - sndUna);
        for (int i = 0; i < sacked.rangeCount(); i++) {
            final int start = sacked.rangeStart(i);
            if (h < start) {
                return ((long) h << 32) | (start - h);
            }
            h = Math.max(h, sacked.rangeEnd(i));
        }
        return -1;
    }
}
