package io.weft.tun.offload;

import static io.weft.tun.offload.TcpSegments.ACK;
import static io.weft.tun.offload.TcpSegments.FIN;
import static io.weft.tun.offload.TcpSegments.PSH;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GsoSplitter#beginTcp}: a super-segment with no virtio header, anywhere in memory. */
class GsoSplitterWithoutHeaderTest {
  private static final int AT = 13; // an odd offset: the ring records of the netstack adapter

  private static List<byte[]> cut(byte[] framed, int mss) {
    final int len = framed.length - VirtioNetHdr.SIZE;
    final byte[] memory = new byte[AT + len + 5];
    System.arraycopy(framed, VirtioNetHdr.SIZE, memory, AT, len);
    final GsoSplitter s = new GsoSplitter();
    final int n = s.beginTcp(MemorySegment.ofArray(memory), AT, len, mss);
    final List<byte[]> out = new ArrayList<>();
    final byte[] dst = new byte[65_536];
    for (int i = 0; i < n; i++) {
      out.add(Arrays.copyOf(dst, s.next(MemorySegment.ofArray(dst))));
    }
    assertThat(s.hasNext()).isFalse();
    return out;
  }

  private static byte[] data(int n) {
    final byte[] d = new byte[n];
    for (int i = 0; i < n; i++) {
      d[i] = (byte) (i * 17 + 3);
    }
    return d;
  }

  @Test
  void shouldCutAsTheVirtioPathDoesForBothFamilies() {
    for (boolean v4 : new boolean[] {true, false}) {
      TcpSegments.Flow f = new TcpSegments.Flow(v4, 0xfffff000, 0xfffe, 502, new byte[0], 77);
      byte[] framed = TcpSegments.superPacket(f, data(4 * 1360 + 7), 1360, ACK | PSH | FIN);
      List<byte[]> viaHeader = TcpSegments.split(framed);
      List<byte[]> direct = cut(framed, 1360);
      assertThat(direct).hasSize(5);
      for (int i = 0; i < 5; i++) {
        assertThat(direct.get(i)).as("v4=%s segment %d", v4, i).isEqualTo(viaHeader.get(i));
        assertThat(TcpSegments.checksumsValid(direct.get(i))).isTrue();
      }
    }
  }

  @Test
  void shouldRefuseWhatDoesNotFitOrIsNotTcp() {
    final GsoSplitter s = new GsoSplitter();
    final MemorySegment m = MemorySegment.ofArray(new byte[100]);
    assertThat(s.beginTcp(m, 0, 100, 1360)).as("all zero: not IPv4 or IPv6 TCP").isZero();
    assertThat(s.beginTcp(m, 50, 60, 1360)).as("past the end").isZero();
    assertThat(s.beginTcp(m, 0, 100, 0)).as("no segment size").isZero();
    assertThat(s.hasNext()).isFalse();
  }
}
