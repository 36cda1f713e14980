package io.weft.netstack.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.weft.netstack.iface.Interface;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.PacketQueue;
import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.tcp.TcpListener;
import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.wire.IpAddress;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Steady-state TCP segment handling allocates nothing: a bulk transfer between two interfaces
 * joined by preallocated packet queues, measured with the thread's allocation counter after
 * warm-up.
 */
class AllocationTest {
  private PacketQueue towardsB = new PacketQueue(4096, 1500);
  private PacketQueue towardsA = new PacketQueue(4096, 1500);
  private ByteBuffer rx = ByteBuffer.allocate(1500);
  private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
  private final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
  private long now = 1_000_000_000L;
  private long segments;
  private long bytes;

  @Test
  void shouldNotAllocateWhileMovingSegments() {
    run(10_000, 0);
  }

  /** The same with 64 KB super-segments both ways (segmentation offload out, LRO-style in). */
  @Test
  void shouldNotAllocateWhileMovingSuperSegments() {
    towardsB = new PacketQueue(256, 65535, true);
    towardsA = new PacketQueue(256, 65535, true);
    rx = ByteBuffer.allocate(65535);
    run(1_000, 8_000);
  }

  private void run(long minimumSegments, long minimumAverageBytes) {
    TcpConfig config = TcpConfig.defaults().withBuffers(1 << 20, 1 << 20);
    Interface a =
        new Interface(
            InterfaceConfig.of(SimulatedPair.A4, null), towardsB, new SplittableRandom(1));
    Interface b =
        new Interface(
            InterfaceConfig.of(SimulatedPair.B4, null), towardsA, new SplittableRandom(2));
    TcpListener listener = b.listen(IpAddress.V4_ANY, 9, 1, config);
    TcpSocket client = a.connect(SimulatedPair.B4, 9, config);
    TcpSocket[] server = new TcpSocket[1];
    Runnable step =
        () -> {
          chunk.clear();
          client.send(chunk);
          if (server[0] == null) {
            server[0] = listener.accept();
          } else {
            while (server[0].recv(sink.clear()) > 0) {
              // discard
            }
          }
          a.poll(now);
          b.poll(now);
          int n;
          while ((n = towardsB.poll(rx)) >= 0) {
            b.receive(now, rx, 0, n);
            segments++;
            bytes += n;
          }
          while ((n = towardsA.poll(rx)) >= 0) {
            a.receive(now, rx, 0, n);
          }
          now += 100_000;
        };
    for (int i = 0; i < 20_000; i++) {
      step.run();
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    long segmentsBefore = segments;
    long bytesBefore = bytes;
    for (int i = 0; i < 5_000; i++) {
      step.run();
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    long moved = segments - segmentsBefore;
    System.out.printf("allocation: %d bytes while moving %d segments%n", allocated, moved);
    assertThat(moved).isGreaterThan(minimumSegments);
    assertThat((bytes - bytesBefore) / moved)
        .as("average packet")
        .isGreaterThanOrEqualTo(minimumAverageBytes);
    assertThat(allocated).as("bytes allocated while moving %d segments", moved).isLessThan(1024);
  }
}
