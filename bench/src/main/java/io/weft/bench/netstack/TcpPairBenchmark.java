package io.weft.bench.netstack;

import io.weft.netstack.iface.Interface;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.phy.PacketQueue;
import io.weft.netstack.tcp.TcpConfig;
import io.weft.netstack.tcp.TcpListener;
import io.weft.netstack.tcp.TcpSocket;
import io.weft.netstack.wire.IpAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Two userspace stacks joined by in-memory links on one thread, and one TCP connection between
 * them: each operation sends a chunk, moves every packet both ways and reads what arrived. The
 * subclasses choose the links and the chunk.
 */
@State(Scope.Thread)
public abstract class TcpPairBenchmark {
  private static final IpAddress A = IpAddress.parse("10.0.0.1");
  private static final IpAddress B = IpAddress.parse("10.0.0.2");

  private final PacketQueue towardsB;
  private final PacketQueue towardsA;
  private final ByteBuffer rx;
  private final ByteBuffer chunk;
  private final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
  private Interface a;
  private Interface b;
  private TcpSocket client;
  private TcpSocket server;
  private long now = 1_000_000_000L;

  /**
   * Links of {@code packets} packets of up to {@code packetSize} bytes ({@code segmented}: they
   * take super-segments), and {@code chunkSize} bytes sent per operation.
   */
  TcpPairBenchmark(int packets, int packetSize, boolean segmented, int chunkSize) {
    towardsB = new PacketQueue(packets, packetSize, segmented);
    towardsA = new PacketQueue(packets, packetSize, segmented);
    rx = ByteBuffer.allocate(packetSize);
    chunk = ByteBuffer.allocate(chunkSize);
  }

  @Setup(Level.Trial)
  public void setUp() {
    TcpConfig config = TcpConfig.defaults().withNoDelay(true);
    a = new Interface(InterfaceConfig.of(A, null), towardsB, new SplittableRandom(1));
    b = new Interface(InterfaceConfig.of(B, null), towardsA, new SplittableRandom(2));
    TcpListener listener = b.listen(IpAddress.V4_ANY, 9, 1, config);
    client = a.connect(B, 9, config);
    for (int i = 0; i < 10 && server == null; i++) {
      pump();
      server = listener.accept();
    }
  }

  private int pump() {
    a.poll(now);
    int moved = 0;
    int n;
    while ((n = towardsB.poll(rx)) >= 0) {
      b.receive(now, rx, 0, n);
      moved++;
    }
    b.poll(now);
    while ((n = towardsA.poll(rx)) >= 0) {
      a.receive(now, rx, 0, n);
    }
    now += 10_000;
    return moved;
  }

  /** One chunk from client to server and the ACKs back; returns the packets and reads. */
  final int roundTrip() {
    chunk.clear();
    client.send(chunk);
    int moved = pump();
    while (server.recv(sink.clear()) > 0) {
      moved++;
    }
    return moved;
  }
}
