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
 * One full-sized TCP segment end to end through two userspace stacks on one thread: the sender's
 * output path, the receiver's input path, the application read, and the ACK coming back.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class TcpSegmentBenchmark extends TcpPairBenchmark {
  public TcpSegmentBenchmark() {
    super(4096, 1500, false, 1368);
  }

  @Benchmark
  public int segmentRoundTrip() {
    return roundTrip();
  }
}
