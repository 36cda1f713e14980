package io.weft.bench.netstack;

import io.weft.netstack.wire.Checksum;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The internet checksum over one MTU-sized packet (netstack {@code wire.Checksum}). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class ChecksumBenchmark {
  @Param({"heap", "direct"})
  public String kind;

  private ByteBuffer packet;

  @Setup
  public void setUp() {
    packet = kind.equals("heap") ? ByteBuffer.allocate(1400) : ByteBuffer.allocateDirect(1400);
    for (int i = 0; i < 1400; i++) {
      packet.put(i, (byte) (i * 31));
    }
  }

  @Benchmark
  public int checksum1400() {
    return Checksum.finish(Checksum.sum(packet, 0, 1400, 0));
  }
}
