package io.weft.bench.pipeline;

import io.weft.agent.ping.Pinger;
import io.weft.agent.pipeline.PacketPipeline;
import io.weft.wg.tun.Tun;
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

/**
 * What the packet pipeline ({@code agent.pipeline.PacketPipeline}) costs the data path with the
 * {@code weft ping} hook installed and no ping waiting: a 64-packet batch written and read through
 * it, against the same TUN without it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PacketPipelineBenchmark {
  static final int BATCH = 64;
  static final int OFFSET = 16;

  @Param({"direct", "pipeline"})
  public String path;

  private Tun tun;
  private final ByteBuffer[] bufs = new ByteBuffer[BATCH];
  private final int[] sizes = new int[BATCH];

  /** Accepts every write and answers every read with a full batch, touching one byte of each. */
  static final class SinkTun implements Tun {
    long seen;

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) {
      for (int i = 0; i < bufs.length; i++) {
        sizes[i] = 84;
        seen += bufs[i].get(offset);
      }
      return bufs.length;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      for (int i = 0; i < count; i++) {
        seen += bufs[i].get(offset);
      }
      return count;
    }

    @Override
    public int batchSize() {
      return BATCH;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "sink";
    }

    @Override
    public void close() {}
  }

  @Setup
  public void setUp() {
    for (int i = 0; i < BATCH; i++) {
      bufs[i] = ByteBuffer.allocate(2048);
      bufs[i]
          .put(OFFSET, (byte) 0x45)
          .put(OFFSET + 9, (byte) 1); // ICMP: the protocol the wrapper looks for
      bufs[i].limit(OFFSET + 84);
    }
    SinkTun sink = new SinkTun();
    if (path.equals("direct")) {
      tun = sink;
    } else {
      PacketPipeline pipeline = new PacketPipeline(sink);
      new Pinger(pipeline); // its inbound hook stays installed, as on a running node
      tun = pipeline;
    }
  }

  @Benchmark
  public int writeBatch() throws Exception {
    return tun.write(bufs, BATCH, OFFSET);
  }

  @Benchmark
  public int readBatch() throws Exception {
    return tun.read(bufs, sizes, OFFSET);
  }
}
