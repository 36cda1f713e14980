package io.weft.netstack.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A partial checksum (pseudo-header sum in the field, as a TUN's NEEDS_CSUM) completes to the full
 * one.
 */
class PartialChecksumTest {
  @Test
  void shouldCompleteAPartialTcpChecksumToTheFullOne() {
    IpAddress src = IpAddress.parse("10.0.0.1");
    IpAddress dst = IpAddress.parse("10.0.0.2");
    SplittableRandom random = new SplittableRandom(5);
    for (int payload : new int[] {0, 1, 1367, 65_000}) {
      int tcpLength = TcpPacket.MIN_HEADER_LENGTH + payload;
      ByteBuffer full = ByteBuffer.allocate(20 + tcpLength);
      TcpPacket tcp = new TcpPacket().wrap(full, 20, tcpLength);
      tcp.emit(1000, 2000, random.nextInt(), random.nextInt(), TcpPacket.ACK, 500, null);
      for (int i = 0; i < payload; i++) {
        full.put(20 + TcpPacket.MIN_HEADER_LENGTH + i, (byte) random.nextInt());
      }
      IpHeader.emit(full, 0, src, dst, IpProtocol.TCP, tcpLength, 1);
      long pseudo = IpHeader.pseudoHeader(src, dst, IpProtocol.TCP, tcpLength);
      ByteBuffer partial = ByteBuffer.allocate(full.capacity()).put(0, full, 0, full.capacity());
      tcp.fillChecksum(pseudo);
      new TcpPacket().wrap(partial, 20, tcpLength).fillPartialChecksum(pseudo);
      assertThat(partial.getShort(20 + 16)).isNotEqualTo(full.getShort(20 + 16));

      Checksum.completePartial(partial, 20, TcpPacket.CHECKSUM_OFFSET, partial.capacity());

      assertThat(partial).isEqualTo(full);
      assertThat(new TcpPacket().wrap(partial, 20, tcpLength).verifyChecksum(pseudo)).isTrue();
    }
  }

  @Test
  void shouldIgnoreARangeOutsideTheBuffer() {
    ByteBuffer b = ByteBuffer.allocate(40);
    Checksum.completePartial(b, 20, 16, 41);
    Checksum.completePartial(b, 30, 16, 40);
    assertThat(b).isEqualTo(ByteBuffer.allocate(40));
  }
}
