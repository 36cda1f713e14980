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
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 64 KiB of TCP payload end to end through two userspace stacks on one thread, in super-segments
 * (up to 65,535 bytes a packet): the links take segments larger than the MTU (segmentation
 * offload on the sender; the receiver takes them whole, as after LRO/GRO), so per-packet work is
 * paid about once per 45 MSS. Compare with {@link TcpSegmentBenchmark}: one 1,368-byte segment
 * per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class TcpSuperSegmentBenchmark {
    private static final IpAddress A = IpAddress.parse("10.0.0.1");
    private static final IpAddress B = IpAddress.parse("10.0.0.2");

    private final PacketQueue towardsB = new PacketQueue(256, 65535, true);
    private final PacketQueue towardsA = new PacketQueue(256, 65535, true);
    private final ByteBuffer rx = ByteBuffer.allocate(65535);
    private final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
    private Interface a;
    private Interface b;
    private TcpSocket client;
    private TcpSocket server;
    private long now = 1_000_000_000L;

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

    @Benchmark
    public int superSegmentRoundTrip() {
        chunk.clear();
        client.send(chunk);
        int moved = pump();
        while (server.recv(sink.clear()) > 0) {
            moved++;
        }
        return moved;
    }
}
