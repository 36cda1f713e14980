package io.weft.tun.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weft.wg.testing.BlockingReader;
import io.weft.wg.testing.IpPackets;
import io.weft.wg.testing.TunContract;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WindowsWintun}'s batching, waiting and closing, on Linux, against {@link InMemoryWintun}.
 * The bindings to the real {@code wintun.dll} are not exercised here.
 */
class WindowsWintunTest extends TunContract {
  private static final byte[] A = {10, 0, 0, 1};
  private static final byte[] B = {10, 0, 0, 2};

  private InMemoryWintun os;
  private WindowsWintun tun;

  @BeforeEach
  void open() throws IOException {
    os = new InMemoryWintun();
    tun = WindowsWintun.open(os, "Weft", 1420, 64);
  }

  @AfterEach
  void close() {
    tun.close();
  }

  @Override
  protected Tun device() {
    return tun;
  }

  @Override
  protected void awaitBlocked(BlockingReader reader) throws InterruptedException {
    os.awaitWaiter(TIMEOUT);
  }

  @Override
  protected Peer peer() {
    return new Peer() {
      @Override
      public void send(int first, int count) {
        for (int seq = first; seq < first + count; seq++) {
          os.deliver(IpPackets.udp4(A, 1, B, 2, seq));
        }
      }

      @Override
      public byte[] packetCarrying(int seq) {
        return IpPackets.udp4(B, 2, A, 1, seq);
      }

      @Override
      public List<Integer> receive(int count, Duration timeout) throws InterruptedException {
        final List<Integer> seqs = new ArrayList<>();
        for (byte[] p : os.sent(count, timeout)) {
          seqs.add(IpPackets.udpSeq(p));
        }
        return seqs;
      }
    };
  }

  @Test
  void shouldCreateTheAdapterSetItsMtuAndStartASession() {
    assertThat(os.calls())
        .containsExactly(
            "createAdapter Weft Weft", "setMtu Weft 1420", "startSession " + 0x80_0000);
  }

  @Test
  void shouldReleaseEveryPacketItReceives() throws Exception {
    peer().send(0, 5);
    tun.read(directBuffers(8), new int[8], OFFSET);

    assertThat(os.outstandingReceives()).isZero();
  }

  @Test
  void shouldDropPacketsWhenTheSendRingIsFull() throws Exception {
    os.limitSendRoom(2);
    final ByteBuffer[] bufs = directBuffers(3);
    for (int i = 0; i < 3; i++) {
      final byte[] p = peer().packetCarrying(i);
      bufs[i].put(OFFSET, p).limit(OFFSET + p.length);
    }

    assertThat(tun.write(bufs, 3, OFFSET)).isEqualTo(2);
    assertThat(peer().receive(3, Duration.ofMillis(50))).containsExactly(0, 1);
  }

  @Test
  void shouldReportARemovedAdapterToABlockedReaderAsIOException() throws Exception {
    try (BlockingReader reader = new BlockingReader(tun, 4, OFFSET)) {
      os.awaitWaiter(TIMEOUT);

      os.terminate();

      assertThat(reader.failure(TIMEOUT))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(ClosedChannelException.class)
          .hasMessageContaining("going away");
    }
  }

  @Test
  void shouldRefuseAPacketLargerThanTheBufferAndStillReleaseIt() {
    os.deliver(new byte[3000]);

    assertThatThrownBy(() -> tun.read(directBuffers(1), new int[1], OFFSET))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not fit");
    assertThat(os.outstandingReceives()).isZero();
  }

  @Test
  void shouldReleaseTheSessionAdapterAndEventOnceOnClose() {
    tun.close();
    tun.close();

    assertThat(os.calls()).endsWith("endSession", "closeAdapter", "closeHandle 2");
    assertThat(os.calls().stream().filter(c -> c.equals("closeAdapter"))).hasSize(1);
  }

  @Test
  void shouldSetTheMtuForIpv6OnlyWhenIpv6AllowsIt() {
    assertThat(WintunDll.Netsh.mtuCommands("Weft", 1420))
        .containsExactly(
            List.of(
                "netsh",
                "interface",
                "ipv4",
                "set",
                "subinterface",
                "Weft",
                "mtu=1420",
                "store=active"),
            List.of(
                "netsh",
                "interface",
                "ipv6",
                "set",
                "subinterface",
                "Weft",
                "mtu=1420",
                "store=active"));
    assertThat(WintunDll.Netsh.mtuCommands("Weft", 1000)).hasSize(1);
  }
}
