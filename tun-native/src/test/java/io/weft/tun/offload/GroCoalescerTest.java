package io.weft.tun.offload;

import static io.weft.tun.offload.TcpSegments.ACK;
import static io.weft.tun.offload.TcpSegments.PSH;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroCoalescerTest {
  private static final byte[] TIMESTAMPS = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};

  private static byte[] data(int n, int salt) {
    byte[] d = new byte[n];
    for (int i = 0; i < n; i++) {
      d[i] = (byte) (i * 17 + salt);
    }
    return d;
  }

  private static List<byte[]> unframe(List<byte[]> frames) {
    List<byte[]> out = new ArrayList<>();
    for (byte[] f : frames) {
      out.addAll(TcpSegments.split(f));
    }
    return out;
  }

  @Test
  void mergesAFlowIntoOneSuperPacketTheKernelCanTake() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 1000, 50, 300, TIMESTAMPS, 9);
    List<byte[]> segs = TcpSegments.segments(f, data(4 * 1368 + 100, 1), 1368, false);
    List<Integer> counts = new ArrayList<>();
    List<byte[]> frames = TcpSegments.coalesce(segs, counts);

    assertThat(counts).containsExactly(5);
    byte[] fr = frames.get(0);
    MemorySegment m = MemorySegment.ofArray(fr);
    assertThat(VirtioNetHdr.flags(m, 0)).isEqualTo(VirtioNetHdr.F_NEEDS_CSUM);
    assertThat(VirtioNetHdr.gsoType(m, 0)).isEqualTo(VirtioNetHdr.GSO_TCPV4);
    assertThat(VirtioNetHdr.gsoSize(m, 0)).isEqualTo(1368);
    assertThat(VirtioNetHdr.hdrLen(m, 0)).isEqualTo(52);
    assertThat(VirtioNetHdr.csumStart(m, 0)).isEqualTo(20);
    assertThat(VirtioNetHdr.csumOffset(m, 0)).isEqualTo(16);
    byte[] ip = java.util.Arrays.copyOfRange(fr, 10, fr.length);
    assertThat(TcpSegments.u16(ip, 2)).isEqualTo(ip.length);
    assertThat(TcpSegments.referenceSum(ip, 0, 20, 0))
        .isEqualTo(0xffff); // IPv4 header checksum valid
    // The TCP checksum field holds the folded pseudo-header sum, for the kernel to complete.
    assertThat(TcpSegments.u16(ip, 36))
        .isEqualTo(TcpSegments.foldOnly(TcpSegments.referencePseudo(ip, true, ip.length - 20)));
    assertThat(ip[33] & PSH).isEqualTo(PSH);
    assertThat(unframe(frames)).containsExactlyElementsOf(segs);
  }

  @Test
  void aGapInTheSequenceStartsANewFrame() {
    TcpSegments.Flow f = new TcpSegments.Flow(false, 0, 0, 300, TIMESTAMPS, 9);
    byte[] d = data(1000, 2);
    List<byte[]> segs =
        List.of(
            TcpSegments.packet(f, 0, 0, ACK, d),
            TcpSegments.packet(f, 1000, 0, ACK, d),
            TcpSegments.packet(f, 3000, 0, ACK, d), // lost 2000..3000
            TcpSegments.packet(f, 4000, 0, ACK, d));
    List<Integer> counts = new ArrayList<>();
    List<byte[]> frames = TcpSegments.coalesce(segs, counts);
    assertThat(counts).containsExactly(2, 2);
    assertThat(unframe(frames)).containsExactlyElementsOf(segs);
  }

  @Test
  void aSegmentWithABadChecksumIsWrittenAloneForTheKernelToDrop() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 0, 0, 300, new byte[0], 9);
    byte[] d = data(1000, 3);
    byte[] bad = TcpSegments.packet(f, 1000, 1, ACK, d);
    bad[100] ^= 1;
    List<byte[]> segs =
        List.of(TcpSegments.packet(f, 0, 0, ACK, d), bad, TcpSegments.packet(f, 2000, 2, ACK, d));
    List<Integer> counts = new ArrayList<>();
    List<byte[]> frames = TcpSegments.coalesce(segs, counts);
    assertThat(counts).containsExactly(1, 1, 1);
    for (int i = 0; i < 3; i++) {
      assertThat(Arrays.copyOfRange(frames.get(i), 10, frames.get(i).length))
          .isEqualTo(segs.get(i));
      assertThat(VirtioNetHdr.gsoType(MemorySegment.ofArray(frames.get(i)), 0)).isZero();
    }
  }

  @Test
  void differentTimestampsOrAcksOrALargerSegmentDoNotMerge() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 0, 0, 300, TIMESTAMPS, 9);
    byte[] otherTs = TIMESTAMPS.clone();
    otherTs[7] = 8;
    TcpSegments.Flow g = new TcpSegments.Flow(true, 0, 0, 300, otherTs, 9);
    TcpSegments.Flow h = new TcpSegments.Flow(true, 0, 0, 300, TIMESTAMPS, 10);
    byte[] d = data(500, 4);
    List<byte[]> segs =
        List.of(
            TcpSegments.packet(f, 0, 0, ACK, d),
            TcpSegments.packet(g, 500, 1, ACK, d),
            TcpSegments.packet(h, 1000, 2, ACK, d),
            TcpSegments.packet(h, 1500, 3, ACK, data(600, 4)),
            TcpSegments.packet(h, 2100, 4, ACK | TcpSegments.FIN, d));
    List<Integer> counts = new ArrayList<>();
    TcpSegments.coalesce(segs, counts);
    assertThat(counts).containsExactly(1, 1, 1, 1, 1);
  }

  record Burst(boolean v4, int length, int mss, int seq, int id, boolean timestamps, boolean fin) {}

  static Gen<Burst> streams() {
    Gen<Boolean> bools = Gens.booleans();
    Gen<Integer> lengths = Gens.ints(1, 100_000);
    Gen<Integer> msses = Gens.ints(1, 1460);
    Gen<Integer> seqs = Gens.ints();
    Gen<Integer> ids = Gens.ints(0, 0xffff);
    return src ->
        new Burst(
            bools.generate(src),
            lengths.generate(src),
            msses.generate(src),
            seqs.generate(src),
            ids.generate(src),
            bools.generate(src),
            bools.generate(src));
  }

  @Test
  void splittingWhatWasCoalescedGivesTheSegmentsBack() {
    Property.forAll(streams())
        .tries(1000)
        .check(
            s ->
                splitsWhatWasCoalesced(
                    s.v4(), s.length(), s.mss(), s.seq(), s.id(), s.timestamps(), s.fin()));
  }

  private static void splitsWhatWasCoalesced(
      boolean v4, int length, int mss, int seq, int id, boolean timestamps, boolean fin) {
    TcpSegments.Flow f =
        new TcpSegments.Flow(v4, seq, id, 700, timestamps ? TIMESTAMPS : new byte[0], 5);
    List<byte[]> segs = TcpSegments.segments(f, data(length, seq), mss, fin);
    List<Integer> counts = new ArrayList<>();
    List<byte[]> frames = TcpSegments.coalesce(segs, counts);
    assertThat(counts.stream().mapToInt(Integer::intValue).sum()).isEqualTo(segs.size());
    assertThat(frames)
        .allSatisfy(fr -> assertThat(fr.length).isLessThanOrEqualTo(GroCoalescer.FRAME_CAPACITY));
    assertThat(unframe(frames)).containsExactlyElementsOf(segs);
    if (!fin && segs.size() > 1 && mss * 2 + 100 < 65_535) {
      assertThat(frames.size()).isLessThan(segs.size());
    }
  }

  @Test
  void garbageNeverThrowsAndIsFramedAsItIs() {
    Property.forAll(Gens.byteArrays(0, 1600).list(1, 6))
        .tries(1000)
        .check(GroCoalescerTest::framesGarbageAsItIs);
  }

  private static void framesGarbageAsItIs(List<byte[]> packets) {
    List<Integer> counts = new ArrayList<>();
    List<byte[]> frames = TcpSegments.coalesce(packets, counts);
    assertThat(counts.stream().mapToInt(Integer::intValue).sum()).isEqualTo(packets.size());
    int p = 0;
    for (int i = 0; i < frames.size(); i++) {
      if (counts.get(i) == 1) {
        assertThat(Arrays.copyOfRange(frames.get(i), 10, frames.get(i).length))
            .isEqualTo(packets.get(p));
      }
      p += counts.get(i);
    }
  }
}
