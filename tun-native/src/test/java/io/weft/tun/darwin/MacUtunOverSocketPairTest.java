package io.weft.tun.darwin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import io.weft.tun.posix.PosixSetup;
import io.weft.wg.testing.IpPackets;
import io.weft.wg.testing.TunContract;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MacUtun}'s packet path on Linux: a utun socket is a datagram socket whose every packet
 * carries a 4-byte family header, and an {@code AF_UNIX} {@code SOCK_SEQPACKET} pair frames packets
 * the same way. The test holds the far end and speaks utun's framing on it. Opening a real utun is
 * not covered here.
 */
class MacUtunOverSocketPairTest extends TunContract {
  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final short POLLIN = 1;
  private static final byte[] V4 = {10, 0, 0, 2};
  private static final byte[] V4_LOCAL = {10, 0, 0, 1};

  private interface C extends Library {
    int socketpair(int domain, int type, int protocol, int[] fds) throws LastErrorException;

    NativeLong read(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    NativeLong write(int fd, byte[] buf, NativeLong count) throws LastErrorException;

    int poll(short[] fds, NativeLong nfds, int timeout) throws LastErrorException;
  }

  private static final C C_LIB = Native.load("c", C.class);

  private MacUtun tun;
  private int far = -1;

  @BeforeEach
  void openOverSocketPair() throws IOException {
    final int[] fds = new int[2];
    C_LIB.socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds);
    far = fds[1];
    PosixSetup.nonBlockingCloseOnExec(fds[0]);
    tun = new MacUtun(fds[0], "utun-sim", 1420, 64);
  }

  @AfterEach
  void closeBothEnds() {
    if (tun != null) {
      tun.close();
    }
    PosixSetup.close(far);
  }

  @Override
  protected Tun device() {
    return tun;
  }

  @Override
  protected Peer peer() {
    return new Peer() {
      @Override
      public void send(int first, int count) {
        for (int seq = first; seq < first + count; seq++) {
          sendFramed(UtunHeader.AF_INET, IpPackets.udp4(V4_LOCAL, 5001, V4, 5002, seq));
        }
      }

      @Override
      public byte[] packetCarrying(int seq) {
        return IpPackets.udp4(V4, 5001, V4_LOCAL, 5002, seq);
      }

      @Override
      public List<Integer> receive(int count, Duration timeout) {
        final List<Integer> seqs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          final byte[] framed = receiveFramed(timeout);
          assertThat(familyOf(framed)).isEqualTo(UtunHeader.AF_INET);
          seqs.add(IpPackets.udpSeq(Arrays.copyOfRange(framed, 4, framed.length)));
        }
        return seqs;
      }
    };
  }

  private void sendFramed(int family, byte[] packet) {
    final byte[] framed = new byte[4 + packet.length];
    ByteBuffer.wrap(framed).putInt(family).put(packet);
    C_LIB.write(far, framed, new NativeLong(framed.length));
  }

  private byte[] receiveFramed(Duration timeout) {
    final short[] pfd = {(short) far, (short) (far >>> 16), POLLIN, 0};
    if (C_LIB.poll(pfd, new NativeLong(1), (int) timeout.toMillis()) == 0) {
      throw new AssertionError("nothing written to the device within " + timeout);
    }
    final byte[] buf = new byte[70_000];
    final int n = C_LIB.read(far, buf, new NativeLong(buf.length)).intValue();
    return Arrays.copyOf(buf, n);
  }

  private static int familyOf(byte[] framed) {
    return ByteBuffer.wrap(framed).getInt(0);
  }

  @Test
  void shouldPrefixEachWrittenPacketWithItsFamily() throws Exception {
    final byte[] v6 = new byte[48];
    v6[0] = 0x60;
    final ByteBuffer[] bufs = directBuffers(2);
    bufs[0].put(OFFSET, v6).limit(OFFSET + v6.length);
    final byte[] v4 = peer().packetCarrying(9);
    bufs[1].put(OFFSET, v4).limit(OFFSET + v4.length);

    assertThat(tun.write(bufs, 2, OFFSET)).isEqualTo(2);

    final byte[] first = receiveFramed(TIMEOUT);
    assertThat(Arrays.copyOf(first, 4)).containsExactly(0, 0, 0, 30);
    assertThat(Arrays.copyOfRange(first, 4, first.length)).isEqualTo(v6);
    final byte[] second = receiveFramed(TIMEOUT);
    assertThat(Arrays.copyOf(second, 4)).containsExactly(0, 0, 0, 2);
    assertThat(Arrays.copyOfRange(second, 4, second.length)).isEqualTo(v4);
  }

  @Test
  void shouldDropPacketsThatAreNeitherIpv4NorIpv6() throws Exception {
    final ByteBuffer[] bufs = directBuffers(3);
    final byte[][] packets = {peer().packetCarrying(1), new byte[] {0x20, 0, 0, 0}, new byte[0]};
    for (int i = 0; i < 3; i++) {
      bufs[i].put(OFFSET, packets[i]).limit(OFFSET + packets[i].length);
    }

    assertThat(tun.write(bufs, 3, OFFSET)).isEqualTo(1);
    assertThat(peer().receive(1, TIMEOUT)).containsExactly(1);
  }

  @Test
  void shouldStripTheHeaderAndSkipRunts() throws Exception {
    sendFramed(UtunHeader.AF_INET, new byte[0]); // header only
    peer().send(5, 1);
    final ByteBuffer[] bufs = directBuffers(2);
    final int[] sizes = new int[2];

    assertThat(tun.read(bufs, sizes, OFFSET)).isEqualTo(1);
    assertThat(sizes[0]).isEqualTo(IpPackets.IPV4_HEADER + IpPackets.UDP_HEADER + 4);
    assertThat(IpPackets.udpSeq(bufs[0], OFFSET, sizes[0])).isEqualTo(5);
  }

  @Test
  void shouldReportTheFarEndClosingAsIOException() {
    PosixSetup.close(far);
    far = -1;

    assertThatThrownBy(() -> tun.read(directBuffers(1), new int[1], OFFSET))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("gone");
  }

  @Test
  void shouldMapInterfaceNamesToControlUnits() {
    assertThat(MacUtun.unitFor(null)).isZero();
    assertThat(MacUtun.unitFor("")).isZero();
    assertThat(MacUtun.unitFor("utun")).isZero();
    assertThat(MacUtun.unitFor("utun0")).isEqualTo(1);
    assertThat(MacUtun.unitFor("utun7")).isEqualTo(8);
    assertThatThrownBy(() -> MacUtun.unitFor("weft0")).isInstanceOf(IllegalArgumentException.class);
  }
}
