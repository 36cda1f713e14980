package io.weft.netstack.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.phy.FaultInjector.Faults;
import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.tcp.TcpListener;
import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.tcp.TcpState;
import io.weft.netstack.tcp.cc.Cubic;
import io.weft.netstack.wire.IpAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bulk transfers between two stacks over lossy, reordering, duplicating links with a simulated
 * clock; the received bytes must hash to what was sent and the transfer must finish in bounded
 * simulated time.
 */
class TransferSimulationTest {
  private static final long MS = 1_000_000L;

  /** Sends {@code size} pseudo-random bytes from a to b, then both close. */
  static final class Transfer implements Runnable {
    final SimulatedPair net;
    final TcpListener listener;
    final TcpSocket client;
    final long size;
    final SplittableRandom data;
    final MessageDigest sentHash = sha256();
    final MessageDigest receivedHash = sha256();
    final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
    TcpSocket server;

    /**
     * A slow reader takes at most readChunk bytes every readInterval nanoseconds (0: read all,
     * always).
     */
    long readInterval;

    int readChunk;
    long nextRead;
    long queued;
    long received;
    boolean eof;

    Transfer(SimulatedPair net, long size, long seed, IpAddress target, TcpConfig config) {
      this.net = net;
      this.size = size;
      this.data = new SplittableRandom(seed);
      this.listener = net.b.listen(IpAddress.V6_ANY, 5201, 8, config);
      this.client = net.a.connect(target, 5201, config);
      chunk.limit(0);
    }

    @Override
    public void run() {
      while (queued < size || chunk.hasRemaining()) {
        if (!chunk.hasRemaining()) {
          int n = (int) Math.min(chunk.capacity(), size - queued);
          chunk.clear().limit(n);
          for (int i = 0; i < n; i++) {
            chunk.put(i, (byte) data.nextInt());
          }
          sentHash.update(chunk.array(), 0, n);
          queued += n;
        }
        if (client.send(chunk) <= 0) {
          break;
        }
      }
      if (queued == size && !chunk.hasRemaining()) {
        client.close();
      }
      if (server == null) {
        server = listener.accept();
      }
      if (server != null && !eof) {
        if (readInterval > 0) {
          if (net.now < nextRead) {
            return;
          }
          nextRead = net.now + readInterval;
          sink.clear().limit(readChunk);
        } else {
          sink.clear();
        }
        int n;
        while ((n = server.recv(sink)) > 0) {
          receivedHash.update(sink.array(), 0, n);
          received += n;
          if (readInterval > 0) {
            break;
          }
          sink.clear();
        }
        if (n < 0) {
          eof = true;
          server.close();
        }
      }
    }

    boolean done() {
      return eof && client.state() == TcpState.CLOSED
          || eof && client.state() == TcpState.TIME_WAIT && server.state() == TcpState.CLOSED;
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  @ParameterizedTest(name = "{0} bytes, {1} loss, seed {3}, v6={4}")
  @CsvSource({
    "1048576, 0.00, 2, 1, false",
    "1048576, 0.01, 10, 2, true",
    "1048576, 0.05, 30, 3, false",
    "16777216, 0.00, 5, 4, true",
    "16777216, 0.01, 60, 5, false",
    "16777216, 0.05, 120, 6, false",
  })
  void shouldTransferIntactUnderLossAndReordering(
      long size, double loss, long limitSeconds, long seed, boolean v6) {
    transfer(size, loss, limitSeconds, seed, v6, TcpConfig.defaults());
  }

  @ParameterizedTest(name = "CUBIC {0} bytes, {1} loss")
  @CsvSource({
    "16777216, 0.00, 5, 7",
    "16777216, 0.01, 60, 8",
  })
  void shouldTransferIntactWithCubic(long size, double loss, long limitSeconds, long seed) {
    transfer(
        size,
        loss,
        limitSeconds,
        seed,
        false,
        TcpConfig.defaults().withCongestionControl(Cubic::new));
  }

  /**
   * A short, fast path like a TUN to the local kernel (0.1 ms each way, 1 GB/s) with random loss
   * each way: losses, lost retransmissions and tail losses must be repaired by RACK-TLP and fast
   * recovery, so retransmission timeouts stay rare and the transfer is not paced by the 200 ms
   * minimum RTO.
   */
  @ParameterizedTest(name = "fast path, {0} loss")
  @CsvSource({
    "0.01, 2, 31",
    "0.05, 8, 32",
    "0.10, 30, 33",
  })
  void shouldRecoverWithoutTimeoutsOnAFastLossyPath(double loss, long limitSeconds, long seed) {
    Faults faults = new Faults(loss, 0, 0, 100_000L, 0, 1_000_000_000L);
    SimulatedPair net = new SimulatedPair(faults, seed, 1420);
    long size = 16 << 20;
    Transfer t = new Transfer(net, size, seed, SimulatedPair.B4, TcpConfig.defaults());
    long took = net.runUntil(t::done, t, limitSeconds * 1000 * MS);
    assertThat(t.received).isEqualTo(size);
    assertThat(t.receivedHash.digest()).isEqualTo(t.sentHash.digest());
    long lost = net.towardsB.lost();
    System.out.printf(
        "fast path loss %.2f: %.2f s simulated, %d RTOs, %d TLPs, %d recoveries, retransmitted %d, lost %d%n",
        loss,
        took / 1e9,
        t.client.retransmissionTimeouts(),
        t.client.tailLossProbes(),
        t.client.recoveryEpisodes(),
        t.client.retransmittedSegments(),
        lost);
    // Without RACK-TLP, every lost retransmission and every tail loss costs a 200 ms timeout.
    assertThat(t.client.retransmissionTimeouts())
        .as("RTOs")
        .isLessThanOrEqualTo(Math.max(2, lost / 50));
  }

  @org.junit.jupiter.api.Test
  void shouldPaceASenderToASlowReaderThroughZeroWindows() {
    // 64 KiB receive buffer read 16 KiB every 20 ms (800 KB/s) while the link carries 12.5 MB/s.
    Faults faults = new Faults(0.01, 0.005, 0.02, 5 * MS, 4 * MS, 12_500_000L);
    SimulatedPair net = new SimulatedPair(faults, 21, 1420);
    TcpConfig config = TcpConfig.defaults().withBuffers(64 * 1024, 256 * 1024);
    Transfer t = new Transfer(net, 2 << 20, 21, SimulatedPair.B4, config);
    t.readInterval = 20 * MS;
    t.readChunk = 16 * 1024;
    long took =
        net.runUntil(
            t::done, t, () -> t.server == null || t.eof ? Long.MAX_VALUE : t.nextRead, 30_000 * MS);
    assertThat(t.received).isEqualTo(2 << 20);
    assertThat(t.receivedHash.digest()).isEqualTo(t.sentHash.digest());
    // 2 MiB at 800 KB/s needs at least 2.6 s; a stalled window would take far longer.
    assertThat(took).isBetween(2_500 * MS, 6_000 * MS);
    System.out.printf(
        "slow reader: 2 MiB in %.2f s simulated, %d RTOs%n",
        took / 1e9, t.client.retransmissionTimeouts());
  }

  private void transfer(
      long size, double loss, long limitSeconds, long seed, boolean v6, TcpConfig config) {
    Faults faults =
        new Faults(loss, loss == 0 ? 0 : 0.005, loss == 0 ? 0 : 0.02, 5 * MS, 4 * MS, 12_500_000L);
    SimulatedPair net = new SimulatedPair(faults, seed, 1420);
    Transfer t = new Transfer(net, size, seed, v6 ? SimulatedPair.B6 : SimulatedPair.B4, config);

    long took = net.runUntil(t::done, t, limitSeconds * 1000 * MS);

    assertThat(t.received)
        .as(
            "received; client %s %s, server %s %s",
            t.client, t.client.error(), t.server, t.server == null ? null : t.server.error())
        .isEqualTo(size);
    assertThat(t.receivedHash.digest()).isEqualTo(t.sentHash.digest());
    System.out.printf(
        "transfer %s %d bytes loss %.2f: %.2f s simulated, %d RTOs, retransmitted %d segments, sent %d lost %d%n",
        config.congestionControl().apply(1000).getClass().getSimpleName(),
        size,
        loss,
        took / 1e9,
        t.client.retransmissionTimeouts(),
        t.client.retransmittedSegments(),
        net.towardsB.sent(),
        net.towardsB.lost());
  }
}
