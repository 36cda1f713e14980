package io.weft.tun.offload;

import static io.weft.tun.offload.InetChecksum.i32;
import static io.weft.tun.offload.InetChecksum.put16;
import static io.weft.tun.offload.InetChecksum.u16;
import static io.weft.tun.offload.InetChecksum.u8;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Frames IP packets for a TUN that expects a {@link VirtioNetHdr} before each: consecutive TCP
 * segments of one flow become one super-packet the kernel takes with one write and receives as one
 * (as its own GRO would have made), everything else is framed alone behind an empty header.
 *
 * <p>{@link #frame} starts at a packet and appends the packets after it while each one
 *
 * <ul>
 *   <li>is TCP over IPv4 without options or fragmentation, or over IPv6 without extension headers,
 *       with the same addresses, ports, IPv4 TOS/TTL/DF or IPv6 traffic class/flow label/hop limit;
 *   <li>carries payload, continues the sequence right where the previous one ended, has the same
 *       acknowledgment number and byte-identical TCP options (timestamps included), and only the
 *       ACK flag and PSH;
 *   <li>has a payload no larger than the first's (a smaller one, or one with PSH, ends the
 *       super-packet), keeps the total within 65,535 bytes, and has a valid TCP checksum (so no
 *       damaged segment is vouched for by the super-packet's offloaded checksum).
 * </ul>
 *
 * The super-packet has the first segment's headers with the lengths, IPv4 header checksum, PSH of
 * the last segment and the last window; its virtio header says {@code GSO_TCPV4/6} with {@code
 * gso_size} the first payload size and {@code NEEDS_CSUM} from the TCP header, whose checksum field
 * holds the pseudo-header sum the kernel completes. One instance serves one thread at a time and
 * allocates nothing.
 */
public final class GroCoalescer {
  /** Largest IP packet, and so the largest super-packet. */
  public static final int MAX_PACKET = 65_535;

  /** Room {@link #out()} must have: a header and the largest packet. */
  public static final int FRAME_CAPACITY = VirtioNetHdr.SIZE + MAX_PACKET;

  private static final int TCP_ACK = 0x10;
  private static final int TCP_PSH = 0x08;

  private final MemorySegment out;
  private int frameLength;
  private long merged;

  /** A coalescer framing into {@code out}, which needs {@link #FRAME_CAPACITY} bytes. */
  public GroCoalescer(MemorySegment out) {
    if (out.byteSize() < FRAME_CAPACITY) {
      throw new IllegalArgumentException(
          "frame buffer of " + out.byteSize() + " < " + FRAME_CAPACITY);
    }
    this.out = out;
  }

  /** Where frames are built. */
  public MemorySegment out() {
    return out;
  }

  /** Bytes of the last frame, from index 0 of {@link #out()}. */
  public int frameLength() {
    return frameLength;
  }

  /** Packets merged into super-packets so far (those after the first of each). */
  public long merged() {
    return merged;
  }

  /**
   * Frames {@code packets[i]} (its bytes {@code [offsets[i], offsets[i] + lengths[i])}) and as many
   * following packets as can join it, into {@link #out()}.
   *
   * @return how many packets the frame holds (at least 1), {@link #frameLength()} its size; 0 if
   *     packet {@code i} is larger than an IP packet can be (nothing framed)
   */
  public int frame(MemorySegment[] packets, long[] offsets, int[] lengths, int i, int count) {
    final MemorySegment h = packets[i];
    final long ho = offsets[i];
    final int hlen = lengths[i];
    if (hlen > MAX_PACKET || hlen < 0) {
      return 0;
    }
    MemorySegment.copy(h, ho, out, VirtioNetHdr.SIZE, hlen);
    VirtioNetHdr.setEmpty(out, 0);
    frameLength = VirtioNetHdr.SIZE + hlen;
    final int hdrLen = tcpHeaderLength(h, ho, hlen);
    if (hdrLen < 0 || i + 1 >= count) {
      return 1;
    }
    final int gsoSize = hlen - hdrLen;
    if ((u8(h, ho + l4(h, ho) + 13) & TCP_PSH) != 0) {
      return 1;
    }
    final boolean v4 = (u8(h, ho) >>> 4) == 4;
    final int l4 = v4 ? 20 : 40;
    int total = hlen;
    int nextSeq = i32(h, ho + l4 + 4) + gsoSize;
    int k = 1;
    boolean headChecked = false;
    int lastWindow = u16(h, ho + l4 + 14);
    int lastFlags = u8(h, ho + l4 + 13);
    for (int j = i + 1; j < count; j++) {
      final MemorySegment c = packets[j];
      final long co = offsets[j];
      final int clen = lengths[j];
      if (clen < hdrLen || clen > MAX_PACKET || tcpHeaderLength(c, co, clen) != hdrLen) {
        break;
      }
      final int payload = clen - hdrLen;
      if (payload > gsoSize
          || total + payload > MAX_PACKET
          || i32(c, co + l4 + 4) != nextSeq
          || !sameFlow(h, ho, c, co, v4, hdrLen)) {
        break;
      }
      if (!headChecked) {
        if (!tcpChecksumValid(h, ho, hlen, v4)) {
          break;
        }
        headChecked = true;
      }
      if (!tcpChecksumValid(c, co, clen, v4)) {
        break;
      }
      MemorySegment.copy(c, co + hdrLen, out, VirtioNetHdr.SIZE + total, payload);
      total += payload;
      nextSeq += payload;
      k++;
      lastWindow = u16(c, co + l4 + 14);
      lastFlags = u8(c, co + l4 + 13);
      if (payload < gsoSize || (lastFlags & TCP_PSH) != 0) {
        break;
      }
    }
    if (k == 1) {
      return 1;
    }
    merged += k - 1;
    final long ip = VirtioNetHdr.SIZE;
    final int tcpLen = total - l4;
    final long pseudo;
    if (v4) {
      put16(out, ip + 2, total);
      put16(out, ip + 10, 0);
      put16(out, ip + 10, InetChecksum.checksum(InetChecksum.sum(out, ip, 20, 0)));
      pseudo = InetChecksum.pseudoV4(out, ip, InetChecksum.TCP, tcpLen);
    } else {
      put16(out, ip + 4, tcpLen);
      pseudo = InetChecksum.pseudoV6(out, ip, InetChecksum.TCP, tcpLen);
    }
    out.set(JAVA_BYTE, ip + l4 + 13, (byte) (u8(out, ip + l4 + 13) | (lastFlags & TCP_PSH)));
    put16(out, ip + l4 + 14, lastWindow);
    put16(out, ip + l4 + 16, InetChecksum.fold(pseudo));
    VirtioNetHdr.set(
        out,
        0,
        VirtioNetHdr.F_NEEDS_CSUM,
        v4 ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6,
        hdrLen,
        gsoSize,
        l4,
        16);
    frameLength = VirtioNetHdr.SIZE + total;
    return k;
  }

  private static int l4(MemorySegment m, long o) {
    return (u8(m, o) >>> 4) == 4 ? 20 : 40;
  }

  /**
   * The IP plus TCP header length of a packet that may be coalesced: TCP over IPv4 (no options, not
   * a fragment, lengths consistent) or IPv6 (TCP next), with payload and only ACK/PSH set; -1
   * otherwise.
   */
  static int tcpHeaderLength(MemorySegment m, long o, int len) {
    if (len < 40) {
      return -1;
    }
    final int vihl = u8(m, o);
    final int l4;
    if (vihl == 0x45) {
      if (u8(m, o + 9) != InetChecksum.TCP
          || u16(m, o + 2) != len
          || (u16(m, o + 6) & 0x3fff) != 0) { // MF and fragment offset
        return -1;
      }
      l4 = 20;
    } else if ((vihl >>> 4) == 6) {
      if (len < 60 || u8(m, o + 6) != InetChecksum.TCP || u16(m, o + 4) != len - 40) {
        return -1;
      }
      l4 = 40;
    } else {
      return -1;
    }
    final int doff = (u8(m, o + l4 + 12) >>> 4) * 4;
    final int flags = u8(m, o + l4 + 13);
    final int hdr = l4 + doff;
    if (doff < 20 || hdr >= len || (flags & ~TCP_PSH) != TCP_ACK) {
      return -1;
    }
    return hdr;
  }

  /**
   * Whether {@code c} belongs to {@code h}'s flow and may share its headers: IP fields other than
   * lengths, identification and checksum equal; ports and acknowledgment equal; options equal.
   */
  private static boolean sameFlow(
      MemorySegment h, long ho, MemorySegment c, long co, boolean v4, int hdrLen) {
    final int l4;
    if (v4) {
      // version/IHL + TOS, flags (DF), TTL + protocol, then both addresses.
      if (u16(h, ho) != u16(c, co)
          || u16(h, ho + 6) != u16(c, co + 6)
          || u16(h, ho + 8) != u16(c, co + 8)
          || MemorySegment.mismatch(h, ho + 12, ho + 20, c, co + 12, co + 20) != -1) {
        return false;
      }
      l4 = 20;
    } else {
      // version, traffic class, flow label; next header + hop limit; addresses.
      if (i32(h, ho) != i32(c, co)
          || u16(h, ho + 6) != u16(c, co + 6)
          || MemorySegment.mismatch(h, ho + 8, ho + 40, c, co + 8, co + 40) != -1) {
        return false;
      }
      l4 = 40;
    }
    return i32(h, ho + l4) == i32(c, co + l4) // ports
        && i32(h, ho + l4 + 8) == i32(c, co + l4 + 8) // ack
        && (hdrLen == l4 + 20
            || MemorySegment.mismatch(h, ho + l4 + 20, ho + hdrLen, c, co + l4 + 20, co + hdrLen)
                == -1);
  }

  /** Whether the TCP checksum of a packet {@link #tcpHeaderLength} accepted is right. */
  static boolean tcpChecksumValid(MemorySegment m, long o, int len, boolean v4) {
    final int l4 = v4 ? 20 : 40;
    final int tcpLen = len - l4;
    final long pseudo =
        v4
            ? InetChecksum.pseudoV4(m, o, InetChecksum.TCP, tcpLen)
            : InetChecksum.pseudoV6(m, o, InetChecksum.TCP, tcpLen);
    return InetChecksum.fold(InetChecksum.sum(m, o + l4, tcpLen, pseudo)) == 0xffff;
  }
}
