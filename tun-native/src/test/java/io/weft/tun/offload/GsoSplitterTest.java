package io.weft.tun.offload;

import static io.weft.tun.offload.TcpSegments.ACK;
import static io.weft.tun.offload.TcpSegments.CWR;
import static io.weft.tun.offload.TcpSegments.FIN;
import static io.weft.tun.offload.TcpSegments.PSH;
import static org.assertj.core.api.Assertions.assertThat;

import io.weft.testing.property.Gen;
import io.weft.testing.property.Gens;
import io.weft.testing.property.Property;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

class GsoSplitterTest {
  private static final byte[] TIMESTAMPS = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};

  private static byte[] data(int n) {
    byte[] d = new byte[n];
    for (int i = 0; i < n; i++) {
      d[i] = (byte) (i * 31 + 7);
    }
    return d;
  }

  @Test
  void splitsAnIpv4SuperPacketIntoTheSegmentsASenderWouldHaveMade() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 0xfffff000, 0xfffe, 502, TIMESTAMPS, 77);
    byte[] payload = data(3 * 1000 + 123);
    List<byte[]> got =
        TcpSegments.split(TcpSegments.superPacket(f, payload, 1000, ACK | PSH | FIN | CWR));

    assertThat(got).hasSize(4);
    for (int i = 0; i < 4; i++) {
      byte[] p = got.get(i);
      int payloadLen = i < 3 ? 1000 : 123;
      assertThat(p).hasSize(20 + 32 + payloadLen);
      assertThat(TcpSegments.u16(p, 2)).isEqualTo(p.length);
      assertThat(TcpSegments.u16(p, 4)).isEqualTo((0xfffe + i) & 0xffff); // wraps
      assertThat(TcpSegments.i32(p, 24)).isEqualTo(0xfffff000 + i * 1000); // wraps
      int flags = p[33] & 0xff;
      assertThat(flags & PSH).isEqualTo(i == 3 ? PSH : 0);
      assertThat(flags & FIN).isEqualTo(i == 3 ? FIN : 0);
      assertThat(flags & CWR).isEqualTo(i == 0 ? CWR : 0);
      assertThat(flags & ACK).isEqualTo(ACK);
      assertThat(TcpSegments.checksumsValid(p)).as("segment %d checksums", i).isTrue();
      assertThat(java.util.Arrays.copyOfRange(p, 52, p.length))
          .isEqualTo(java.util.Arrays.copyOfRange(payload, i * 1000, i * 1000 + payloadLen));
    }
  }

  @Test
  void splitsAnIpv6SuperPacket() {
    TcpSegments.Flow f = new TcpSegments.Flow(false, 5, 0, 100, new byte[0], 1);
    List<byte[]> got = TcpSegments.split(TcpSegments.superPacket(f, data(2800), 1400, ACK));
    assertThat(got).hasSize(2);
    assertThat(got)
        .allSatisfy(
            p -> {
              assertThat(p).hasSize(40 + 20 + 1400);
              assertThat(TcpSegments.u16(p, 4)).isEqualTo(1420);
              assertThat(TcpSegments.checksumsValid(p)).isTrue();
            });
    assertThat(TcpSegments.i32(got.get(1), 44)).isEqualTo(5 + 1400);
  }

  @Test
  void completesAPartialChecksumWithoutGso() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 9, 3, 100, new byte[0], 1);
    byte[] framed = TcpSegments.superPacket(f, data(333), 1400, ACK | PSH);
    VirtioNetHdr.set(
        MemorySegment.ofArray(framed),
        0,
        VirtioNetHdr.F_NEEDS_CSUM,
        VirtioNetHdr.GSO_NONE,
        0,
        0,
        20,
        16);
    List<byte[]> got = TcpSegments.split(framed);
    assertThat(got).hasSize(1);
    assertThat(TcpSegments.checksumsValid(got.get(0))).isTrue();
    assertThat(got.get(0)).isEqualTo(TcpSegments.packet(f, 9, 3, ACK | PSH, data(333)));
  }

  @Test
  void aCompletedChecksumOfZeroIsWrittenAsAllOnes() {
    // 20 bytes "IP header", then a "UDP" part whose words sum to 0xffff with the field at 0.
    byte[] framed = new byte[10 + 28];
    framed[10] = 0x45;
    framed[10 + 20] = (byte) 0xff;
    framed[10 + 21] = (byte) 0xff;
    VirtioNetHdr.set(
        MemorySegment.ofArray(framed),
        0,
        VirtioNetHdr.F_NEEDS_CSUM,
        VirtioNetHdr.GSO_NONE,
        0,
        0,
        20,
        6);
    byte[] out = TcpSegments.split(framed).get(0);
    assertThat(TcpSegments.u16(out, 26)).isEqualTo(0xffff);
  }

  @Test
  void passesAPlainPacketOnUnchanged() {
    byte[] packet =
        TcpSegments.packet(
            new TcpSegments.Flow(true, 1, 1, 1, new byte[0], 1), 1, 1, ACK, data(10));
    byte[] framed = new byte[10 + packet.length];
    System.arraycopy(packet, 0, framed, 10, packet.length);
    assertThat(TcpSegments.split(framed)).containsExactly(packet);
  }

  @Test
  void aSegmentThatDoesNotFitTheBufferIsSkippedNotTruncated() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 1, 1, 1, new byte[0], 1);
    byte[] framed = TcpSegments.superPacket(f, data(3000), 1500, ACK);
    GsoSplitter s = new GsoSplitter();
    assertThat(s.begin(MemorySegment.ofArray(framed), framed.length)).isEqualTo(2);
    assertThat(s.next(MemorySegment.ofArray(new byte[1000]))).isEqualTo(-1);
    assertThat(s.next(MemorySegment.ofArray(new byte[2000]))).isEqualTo(1540);
    assertThat(s.hasNext()).isFalse();
  }

  @Test
  void refusesUdpGsoAndMalformedHeaders() {
    TcpSegments.Flow f = new TcpSegments.Flow(true, 1, 1, 1, new byte[0], 1);
    byte[] framed = TcpSegments.superPacket(f, data(3000), 1000, ACK);
    byte[] udp = framed.clone();
    udp[1] = (byte) VirtioNetHdr.GSO_UDP_L4;
    assertThat(new GsoSplitter().begin(MemorySegment.ofArray(udp), udp.length)).isZero();
    byte[] zeroMss = framed.clone();
    zeroMss[4] = 0;
    zeroMss[5] = 0;
    assertThat(new GsoSplitter().begin(MemorySegment.ofArray(zeroMss), zeroMss.length)).isZero();
    byte[] v6Claimed = framed.clone();
    v6Claimed[1] = (byte) VirtioNetHdr.GSO_TCPV6;
    assertThat(new GsoSplitter().begin(MemorySegment.ofArray(v6Claimed), v6Claimed.length))
        .isZero();
    assertThat(new GsoSplitter().begin(MemorySegment.ofArray(new byte[10]), 10)).isZero();
  }

  record Super(boolean v4, int length, int mss, int seq, int id) {}

  static Gen<Super> superPackets() {
    Gen<Boolean> v4s = Gens.booleans();
    Gen<Integer> lengths = Gens.ints(1, 20_000);
    Gen<Integer> msses = Gens.ints(1, 1460);
    Gen<Integer> seqs = Gens.ints();
    Gen<Integer> ids = Gens.ints(0, 0xffff);
    return src ->
        new Super(
            v4s.generate(src),
            lengths.generate(src),
            msses.generate(src),
            seqs.generate(src),
            ids.generate(src));
  }

  @Test
  void everySegmentHasValidChecksumsAndThePayloadIsReassembled() {
    Property.forAll(superPackets())
        .tries(1000)
        .check(s -> splitsWithValidChecksums(s.v4(), s.length(), s.mss(), s.seq(), s.id()));
  }

  private static void splitsWithValidChecksums(boolean v4, int length, int mss, int seq, int id) {
    TcpSegments.Flow f = new TcpSegments.Flow(v4, seq, id, 1000, TIMESTAMPS, 42);
    byte[] payload = data(length);
    List<byte[]> got = TcpSegments.split(TcpSegments.superPacket(f, payload, mss, ACK | PSH));
    assertThat(got).hasSize((length + mss - 1) / mss);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    int l4 = v4 ? 20 : 40;
    for (int i = 0; i < got.size(); i++) {
      byte[] p = got.get(i);
      assertThat(TcpSegments.checksumsValid(p)).isTrue();
      assertThat(TcpSegments.i32(p, l4 + 4)).isEqualTo(seq + i * mss);
      joined.write(p, l4 + 32, p.length - l4 - 32);
    }
    assertThat(joined.toByteArray()).isEqualTo(payload);
  }

  @Test
  void garbageNeverThrows() {
    Property.forAll(Gens.byteArrays(0, 2000), Gens.ints(0, 2000))
        .tries(1000)
        .check(
            (garbage, dstSize) -> {
              GsoSplitter s = new GsoSplitter();
              int n = s.begin(MemorySegment.ofArray(garbage), garbage.length);
              MemorySegment dst = MemorySegment.ofArray(new byte[dstSize]);
              for (int i = 0; i < n; i++) {
                int len = s.next(dst);
                assertThat(len).isBetween(-1, dstSize);
              }
              assertThat(s.hasNext()).isFalse();
            });
  }
}
