package io.weft.tun.offload;

import static io.weft.tun.offload.InetChecksum.i32;
import static io.weft.tun.offload.InetChecksum.put16;
import static io.weft.tun.offload.InetChecksum.put32;
import static io.weft.tun.offload.InetChecksum.u16;
import static io.weft.tun.offload.InetChecksum.u8;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;

/**
 * Turns what one read of an offloading TUN returned ({@link VirtioNetHdr} + packet) into the
 * packets a TUN without offloads would have returned.
 *
 * <ul>
 *   <li>A TCP super-packet ({@code GSO_TCPV4}/{@code GSO_TCPV6}) becomes {@code ceil(payload /
 *       gso_size)} segments: the same IP and TCP headers with the IPv4 total length, identification
 *       (+1 per segment) and header checksum, or the IPv6 payload length, set per segment; the
 *       sequence number advanced by the bytes before; FIN and PSH only on the last segment, CWR
 *       only on the first; and the TCP checksum computed in full.
 *   <li>A packet with {@code NEEDS_CSUM} and no GSO gets its checksum completed: the sum from
 *       {@code csum_start} to the end, stored at {@code csum_start + csum_offset} (0xffff for a
 *       result of 0, which UDP would read as "no checksum").
 *   <li>Anything else is passed on as it is.
 * </ul>
 *
 * <p>The one TCP segmentation (TSO) in Weft: the Linux TUN's offloads and the netstack's adapter in
 * the agent ({@link #beginTcp}, for super-segments the userspace stack emits) both cut here.
 *
 * <p>Use: {@link #begin} with the read bytes, then {@link #next} while {@link #hasNext}. The source
 * must stay unchanged until the last {@link #next}. Malformed input (a header that does not fit, an
 * unknown GSO type, a GSO packet that is not TCP over IPv4/IPv6) is refused by {@link #begin}
 * returning 0, never by an exception. One instance serves one thread at a time and allocates
 * nothing.
 */
public final class GsoSplitter {
  private static final int TCP_FIN = 0x01;
  private static final int TCP_PSH = 0x08;
  private static final int TCP_CWR = 0x80;

  private MemorySegment src = MemorySegment.NULL;
  private long ip;
  private int packetLen;
  private boolean v4;
  private int l4;
  private int hdrLen;
  private int gsoSize;
  private int payloadLen;
  private int segments;
  private int next;
  private boolean gso;

  /**
   * Takes {@code src[0, len)}: a virtio header and the packet after it.
   *
   * @return how many packets {@link #next} will produce (0: malformed, nothing to produce)
   */
  public int begin(MemorySegment src, int len) {
    this.src = src;
    segments = 0;
    next = 0;
    if (len <= VirtioNetHdr.SIZE || len > src.byteSize()) {
      return 0;
    }
    ip = VirtioNetHdr.SIZE;
    packetLen = len - VirtioNetHdr.SIZE;
    final int flags = VirtioNetHdr.flags(src, 0);
    final int type = VirtioNetHdr.gsoType(src, 0) & ~VirtioNetHdr.GSO_ECN;
    if (type == VirtioNetHdr.GSO_NONE) {
      gso = false;
      if ((flags & VirtioNetHdr.F_NEEDS_CSUM) != 0 && !completeChecksum()) {
        return 0;
      }
      segments = 1;
      return 1;
    }
    if (type != VirtioNetHdr.GSO_TCPV4 && type != VirtioNetHdr.GSO_TCPV6) {
      return 0;
    }
    gso = true;
    gsoSize = VirtioNetHdr.gsoSize(src, 0);
    if (gsoSize == 0 || !parseTcp(type == VirtioNetHdr.GSO_TCPV4)) {
      return 0;
    }
    return countSegments();
  }

  /**
   * Takes a TCP super-segment with no virtio header: the IP packet at {@code src[ip, ip + len)}, to
   * be cut into segments of {@code segmentSize} payload bytes (a userspace TSO, as the netstack's
   * adapter does it).
   *
   * @return how many packets {@link #next} will produce (0: malformed, nothing to produce)
   */
  public int beginTcp(MemorySegment src, long ip, int len, int segmentSize) {
    this.src = src;
    segments = 0;
    next = 0;
    if (ip < 0 || len <= 0 || ip + len > src.byteSize() || segmentSize <= 0) {
      return 0;
    }
    this.ip = ip;
    packetLen = len;
    gso = true;
    gsoSize = segmentSize;
    if (!parseTcp((u8(src, ip) >>> 4) == 4)) {
      return 0;
    }
    return countSegments();
  }

  private int countSegments() {
    payloadLen = packetLen - hdrLen;
    segments = payloadLen == 0 ? 1 : (payloadLen + gsoSize - 1) / gsoSize;
    return segments;
  }

  /** Whether {@link #next} has a packet left. */
  public boolean hasNext() {
    return next < segments;
  }

  /** Packets {@link #next} has left to produce. */
  public int remaining() {
    return segments - next;
  }

  /**
   * Writes the next packet to {@code dst} from index 0.
   *
   * @return its length, or -1 when it does not fit {@code dst} (it is skipped)
   */
  public int next(MemorySegment dst) {
    final int i = next++;
    if (!gso) {
      if (packetLen > dst.byteSize()) {
        return -1;
      }
      MemorySegment.copy(src, ip, dst, 0, packetLen);
      return packetLen;
    }
    final int start = i * gsoSize;
    final int segPayload = Math.min(gsoSize, payloadLen - start);
    final int total = hdrLen + segPayload;
    if (total > dst.byteSize()) {
      return -1;
    }
    MemorySegment.copy(src, ip, dst, 0, hdrLen);
    MemorySegment.copy(src, ip + hdrLen + start, dst, hdrLen, segPayload);
    final int tcpLen = total - l4;
    long sum;
    if (v4) {
      put16(dst, 2, total);
      put16(dst, 4, u16(src, ip + 4) + i);
      put16(dst, 10, 0);
      put16(dst, 10, InetChecksum.checksum(InetChecksum.sum(dst, 0, l4, 0)));
      sum = InetChecksum.pseudoV4(dst, 0, InetChecksum.TCP, tcpLen);
    } else {
      put16(dst, 4, total - 40);
      sum = InetChecksum.pseudoV6(dst, 0, InetChecksum.TCP, tcpLen);
    }
    put32(dst, l4 + 4, i32(src, ip + l4 + 4) + start);
    int tcpFlags = u8(dst, l4 + 13);
    if (i != segments - 1) {
      tcpFlags &= ~(TCP_FIN | TCP_PSH);
    }
    if (i != 0) {
      tcpFlags &= ~TCP_CWR;
    }
    dst.set(JAVA_BYTE, l4 + 13, (byte) tcpFlags);
    put16(dst, l4 + 16, 0);
    put16(dst, l4 + 16, InetChecksum.checksum(InetChecksum.sum(dst, l4, tcpLen, sum)));
    return total;
  }

  /** Finds the TCP header of the packet and checks the lengths; false if malformed. */
  private boolean parseTcp(boolean ipv4) {
    v4 = ipv4;
    if (packetLen < 20) {
      return false;
    }
    final int version = u8(src, ip) >>> 4;
    if (ipv4) {
      final int ihl = (u8(src, ip) & 0xf) * 4;
      if (version != 4 || ihl < 20 || u8(src, ip + 9) != InetChecksum.TCP) {
        return false;
      }
      l4 = ihl;
    } else {
      if (version != 6 || packetLen < 40 || u8(src, ip + 6) != InetChecksum.TCP) {
        return false;
      }
      l4 = 40;
    }
    if (packetLen < l4 + 20) {
      return false;
    }
    final int doff = (u8(src, ip + l4 + 12) >>> 4) * 4;
    hdrLen = l4 + doff;
    return doff >= 20 && hdrLen <= packetLen && (!ipv4 || hdrLen + gsoSize <= 65_535);
  }

  /** Completes a partial checksum in the source; false if its position is outside the packet. */
  private boolean completeChecksum() {
    final int start = VirtioNetHdr.csumStart(src, 0);
    final int field = start + VirtioNetHdr.csumOffset(src, 0);
    if (start >= packetLen || field + 2 > packetLen) {
      return false;
    }
    final int checksum =
        InetChecksum.checksum(InetChecksum.sum(src, ip + start, packetLen - start, 0));
    // 0 is the same value as 0xffff in ones' complement, but to UDP it means "no checksum".
    put16(src, ip + field, checksum == 0 ? 0xffff : checksum);
    return true;
  }
}
