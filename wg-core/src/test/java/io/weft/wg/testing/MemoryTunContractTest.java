package io.weft.wg.testing;

import io.weft.testing.Await;
import io.weft.wg.tun.Tun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link MemoryTun} keeps the {@link TunContract}: the double behaves as the devices it stands for.
 */
class MemoryTunContractTest extends TunContract {
  private static final byte[] PEER = {10, 9, 0, 2};
  private static final byte[] LOCAL = {10, 9, 0, 1};

  private MemoryTun tun;

  @BeforeEach
  void open() {
    tun = new MemoryTun(1420);
  }

  @Override
  protected Tun device() {
    return tun;
  }

  @Override
  protected void awaitBlocked(BlockingReader reader) {
    Await.untilParked(reader.thread(), TIMEOUT);
  }

  @Override
  protected Peer peer() {
    return new Peer() {
      @Override
      public void send(int first, int count) {
        for (int i = 0; i < count; i++) {
          tun.inject(IpPackets.udp4(PEER, 5001, LOCAL, 5002, first + i));
        }
      }

      @Override
      public byte[] packetCarrying(int seq) {
        return IpPackets.udp4(LOCAL, 5002, PEER, 5001, seq);
      }

      @Override
      public List<Integer> receive(int count, Duration timeout) throws InterruptedException {
        final List<Integer> out = new ArrayList<>();
        while (out.size() < count) {
          final byte[] p = tun.take(timeout.toSeconds());
          if (p == null) {
            throw new AssertionError("no packet within " + timeout + " after " + out);
          }
          out.add(IpPackets.udpSeq(p));
        }
        return out;
      }
    };
  }
}
