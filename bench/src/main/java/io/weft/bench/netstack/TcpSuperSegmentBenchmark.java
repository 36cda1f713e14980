package io.weft.bench.netstack;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 64 KiB of TCP payload end to end through two userspace stacks on one thread, in super-segments
 * (up to 65,535 bytes a packet): the links take segments larger than the MTU (segmentation offload
 * on the sender; the receiver takes them whole, as after LRO/GRO), so per-packet work is paid about
 * once per 45 MSS. Compare with {@link TcpSegmentBenchmark}: one 1,368-byte segment per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class TcpSuperSegmentBenchmark extends TcpPairBenchmark {
  public TcpSuperSegmentBenchmark() {
    super(256, 65535, true, 64 * 1024);
  }

  @Benchmark
  public int superSegmentRoundTrip() {
    return roundTrip();
  }
}
