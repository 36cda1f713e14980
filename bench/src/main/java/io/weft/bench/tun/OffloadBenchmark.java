package io.weft.bench.tun;

import io.weft.tun.offload.GroCoalescer;
import io.weft.tun.offload.GsoSplitter;
import io.weft.tun.offload.InetChecksum;
import io.weft.tun.offload.VirtioNetHdr;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-Java halves of the TUN offloads, per 1,368-byte-payload TCP segment (IPv4, timestamps:
 * what a 1420-MTU tunnel carries): {@code split} cuts a 64 KB super-packet as the kernel hands it
 * over into 47 segments in heap buffers (full checksums); {@code coalesce} merges 47 such segments
 * from heap buffers into one super-packet (checking each segment's checksum). Both must allocate
 * nothing ({@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class OffloadBenchmark {
  static final int SEGMENTS = 47;
  static final int MSS = 1368;
  static final int HDR = 20 + 32;
  static final ValueLayout.OfShort BE16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  static final ValueLayout.OfInt BE32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  final GsoSplitter splitter = new GsoSplitter();
  final GroCoalescer coalescer =
      new GroCoalescer(MemorySegment.ofArray(new byte[GroCoalescer.FRAME_CAPACITY]));
  MemorySegment superPacket;
  int superLength;
  final MemorySegment[] dsts = new MemorySegment[SEGMENTS];
  final MemorySegment[] segments = new MemorySegment[SEGMENTS];
  final long[] offsets = new long[SEGMENTS];
  final int[] lengths = new int[SEGMENTS];

  @Setup
  public void setUp() {
    superLength = VirtioNetHdr.SIZE + HDR + SEGMENTS * MSS;
    superPacket = MemorySegment.ofArray(new byte[superLength]);
    tcp(superPacket, VirtioNetHdr.SIZE, 1000, SEGMENTS * MSS);
    VirtioNetHdr.set(
        superPacket, 0, VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_TCPV4, HDR, MSS, 20, 16);
    for (int i = 0; i < SEGMENTS; i++) {
      dsts[i] = MemorySegment.ofArray(new byte[16 + 1420 + 32]).asSlice(16);
      segments[i] = MemorySegment.ofArray(new byte[16 + 1420 + 32]);
      offsets[i] = 16;
      lengths[i] = HDR + MSS;
      tcp(segments[i], 16, 1000 + i * MSS, MSS);
      segments[i].set(BE16, 16 + 4, (short) i);
      fixChecksums(segments[i], 16, HDR + MSS);
    }
  }

  private static void tcp(MemorySegment m, long ip, int seq, int payload) {
    m.set(ValueLayout.JAVA_BYTE, ip, (byte) 0x45);
    m.set(BE16, ip + 2, (short) (HDR + payload));
    m.set(BE16, ip + 6, (short) 0x4000);
    m.set(ValueLayout.JAVA_BYTE, ip + 8, (byte) 64);
    m.set(ValueLayout.JAVA_BYTE, ip + 9, (byte) 6);
    m.set(BE32, ip + 12, 0x0a00_0001);
    m.set(BE32, ip + 16, 0x0a00_0002);
    m.set(BE16, ip + 20, (short) 40000);
    m.set(BE16, ip + 22, (short) 5201);
    m.set(BE32, ip + 24, seq);
    m.set(BE32, ip + 28, 77);
    m.set(ValueLayout.JAVA_BYTE, ip + 32, (byte) 0x80);
    m.set(ValueLayout.JAVA_BYTE, ip + 33, (byte) 0x10);
    m.set(BE16, ip + 34, (short) 500);
    m.set(BE32, ip + 40, 0x0101_080a);
    for (int i = 0; i < payload; i++) {
      m.set(ValueLayout.JAVA_BYTE, ip + HDR + i, (byte) (i * 7));
    }
    fixChecksums(m, ip, HDR + payload);
  }

  private static void fixChecksums(MemorySegment m, long ip, int len) {
    m.set(BE16, ip + 10, (short) 0);
    m.set(BE16, ip + 10, (short) InetChecksum.checksum(InetChecksum.sum(m, ip, 20, 0)));
    m.set(BE16, ip + 36, (short) 0);
    long pseudo = InetChecksum.pseudoV4(m, ip, 6, len - 20);
    m.set(
        BE16,
        ip + 36,
        (short) InetChecksum.checksum(InetChecksum.sum(m, ip + 20, len - 20, pseudo)));
  }

  @Benchmark
  @OperationsPerInvocation(SEGMENTS)
  public int split() {
    int n = splitter.begin(superPacket, superLength);
    int bytes = 0;
    for (int i = 0; i < n; i++) {
      bytes += splitter.next(dsts[i]);
    }
    return bytes;
  }

  @Benchmark
  @OperationsPerInvocation(SEGMENTS)
  public int coalesce() {
    int k = coalescer.frame(segments, offsets, lengths, 0, SEGMENTS);
    if (k != SEGMENTS) {
      throw new IllegalStateException("merged " + k);
    }
    return coalescer.frameLength();
  }

  @Benchmark
  @OperationsPerInvocation(SEGMENTS)
  public long checksumOnly() {
    long s = 0;
    for (int i = 0; i < SEGMENTS; i++) {
      s += InetChecksum.sum(segments[i], 16 + 20, HDR + MSS - 20, 0);
    }
    return s;
  }
}
