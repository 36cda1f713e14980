package io.weft.tun.offload;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Builds TCP/IP packets with correct checksums, and a byte-at-a-time checksum reference. */
final class TcpSegments {
  private TcpSegments() {}

  static final int ACK = 0x10;
  static final int PSH = 0x08;
  static final int FIN = 0x01;
  static final int CWR = 0x80;

  /** The straightforward RFC 1071 sum, one 16-bit word at a time, folded. */
  static int referenceSum(byte[] b, int off, int len, long initial) {
    long acc = initial;
    for (int i = 0; i + 1 < len; i += 2) {
      acc += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
    }
    if ((len & 1) != 0) {
      acc += (b[off + len - 1] & 0xff) << 8;
    }
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) acc;
  }

  static long referencePseudo(byte[] p, boolean v4, int l4Len) {
    long acc = 6 + l4Len;
    int from = v4 ? 12 : 8;
    int n = v4 ? 8 : 32;
    for (int i = 0; i < n; i += 2) {
      acc += ((p[from + i] & 0xff) << 8) | (p[from + i + 1] & 0xff);
    }
    return acc;
  }

  /** Whether the IPv4 header checksum (if v4) and the TCP checksum of {@code p} are right. */
  static boolean checksumsValid(byte[] p) {
    boolean v4 = (p[0] >>> 4 & 0xf) == 4;
    int l4 = v4 ? (p[0] & 0xf) * 4 : 40;
    if (v4 && referenceSum(p, 0, l4, 0) != 0xffff) {
      return false;
    }
    return referenceSum(p, l4, p.length - l4, referencePseudo(p, v4, p.length - l4)) == 0xffff;
  }

  /** Parameters of one flow's segments. */
  record Flow(boolean v4, int seq, int ipId, int window, byte[] options, int ack) {}

  /**
   * One packet: IPv4 (DF, TTL 64) or IPv6 (hop limit 64) from 10.0.0.1/fd00::1:1234 to
   * 10.0.0.2/fd00::2:5201, TCP with {@code flags} and {@code options} (a multiple of 4 bytes).
   */
  static byte[] packet(Flow f, int seq, int ipId, int flags, byte[] payload) {
    int l4 = f.v4() ? 20 : 40;
    int tcpHdr = 20 + f.options().length;
    int total = l4 + tcpHdr + payload.length;
    byte[] p = new byte[total];
    if (f.v4()) {
      p[0] = 0x45;
      put16(p, 2, total);
      put16(p, 4, ipId);
      put16(p, 6, 0x4000);
      p[8] = 64;
      p[9] = 6;
      p[12] = 10;
      p[15] = 1;
      p[16] = 10;
      p[19] = 2;
      put16(p, 10, ~referenceSum(p, 0, 20, 0) & 0xffff);
    } else {
      p[0] = 0x60;
      put16(p, 4, total - 40);
      p[6] = 6;
      p[7] = 64;
      p[8] = (byte) 0xfd;
      p[23] = 1;
      p[24] = (byte) 0xfd;
      p[39] = 2;
    }
    put16(p, l4, 1234);
    put16(p, l4 + 2, 5201);
    put32(p, l4 + 4, seq);
    put32(p, l4 + 8, f.ack());
    p[l4 + 12] = (byte) ((tcpHdr / 4) << 4);
    p[l4 + 13] = (byte) flags;
    put16(p, l4 + 14, f.window());
    System.arraycopy(f.options(), 0, p, l4 + 20, f.options().length);
    System.arraycopy(payload, 0, p, l4 + tcpHdr, payload.length);
    put16(
        p,
        l4 + 16,
        ~referenceSum(p, l4, total - l4, referencePseudo(p, f.v4(), total - l4)) & 0xffff);
    return p;
  }

  /**
   * The segments a sender would emit for {@code data} in {@code mss}-byte pieces: consecutive
   * sequence numbers and IPv4 IDs, PSH (and FIN, when asked) on the last.
   */
  static List<byte[]> segments(Flow f, byte[] data, int mss, boolean fin) {
    List<byte[]> out = new ArrayList<>();
    int n = Math.max(1, (data.length + mss - 1) / mss);
    for (int i = 0; i < n; i++) {
      int from = i * mss;
      int to = Math.min(data.length, from + mss);
      byte[] payload = java.util.Arrays.copyOfRange(data, from, to);
      int flags = ACK | (i == n - 1 ? PSH | (fin ? FIN : 0) : 0);
      out.add(packet(f, f.seq() + from, f.ipId() + i, flags, payload));
    }
    return out;
  }

  /**
   * What an offloading kernel hands a TUN reader for {@code data}: one super-packet whose header
   * carries the whole payload, with {@code NEEDS_CSUM} and the pseudo-header sum in the checksum
   * field.
   */
  static byte[] superPacket(Flow f, byte[] data, int mss, int flags) {
    byte[] p = packet(f, f.seq(), f.ipId(), flags, data);
    int l4 = f.v4() ? 20 : 40;
    int tcpLen = p.length - l4;
    put16(p, l4 + 16, foldOnly(referencePseudo(p, f.v4(), tcpLen)));
    byte[] framed = new byte[VirtioNetHdr.SIZE + p.length];
    MemorySegment m = MemorySegment.ofArray(framed);
    VirtioNetHdr.set(
        m,
        0,
        VirtioNetHdr.F_NEEDS_CSUM,
        f.v4() ? VirtioNetHdr.GSO_TCPV4 : VirtioNetHdr.GSO_TCPV6,
        l4 + 20 + f.options().length,
        mss,
        l4,
        16);
    System.arraycopy(p, 0, framed, VirtioNetHdr.SIZE, p.length);
    return framed;
  }

  static int foldOnly(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) acc;
  }

  static void put16(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
  }

  static void put32(byte[] b, int at, int v) {
    put16(b, at, v >>> 16);
    put16(b, at + 2, v);
  }

  static int u16(byte[] b, int at) {
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  static int i32(byte[] b, int at) {
    return (u16(b, at) << 16) | u16(b, at + 2);
  }

  /** Runs the splitter over a framed read and returns what it produced. */
  static List<byte[]> split(byte[] framed) {
    GsoSplitter s = new GsoSplitter();
    MemorySegment src = MemorySegment.ofArray(framed.clone());
    int n = s.begin(src, framed.length);
    List<byte[]> out = new ArrayList<>();
    byte[] dst = new byte[65_536];
    for (int i = 0; i < n; i++) {
      int len = s.next(MemorySegment.ofArray(dst));
      if (len > 0) {
        out.add(java.util.Arrays.copyOf(dst, len));
      }
    }
    return out;
  }

  /** Runs the coalescer over packets and returns the frames it produced, with packet counts. */
  static List<byte[]> coalesce(List<byte[]> packets, List<Integer> countsOut) {
    int n = packets.size();
    MemorySegment[] segs = new MemorySegment[n];
    long[] offs = new long[n];
    int[] lens = new int[n];
    for (int i = 0; i < n; i++) {
      byte[] withRoom = new byte[packets.get(i).length + 16];
      System.arraycopy(packets.get(i), 0, withRoom, 16, packets.get(i).length);
      segs[i] = MemorySegment.ofArray(withRoom);
      offs[i] = 16;
      lens[i] = packets.get(i).length;
    }
    GroCoalescer c = new GroCoalescer(MemorySegment.ofArray(new byte[GroCoalescer.FRAME_CAPACITY]));
    List<byte[]> frames = new ArrayList<>();
    int i = 0;
    while (i < n) {
      int k = c.frame(segs, offs, lens, i, n);
      if (k == 0) {
        i++;
        continue;
      }
      frames.add(
          c.out().asSlice(0, c.frameLength()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
      countsOut.add(k);
      i += k;
    }
    return frames;
  }
}
