package io.weft.bench.tun;

import io.weft.tun.linux.LinuxTun;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link LinuxTun#write} and {@link LinuxTun#read} themselves, per packet: the system calls of
 * {@link TunSyscallBenchmark} plus the batch loop, buffer views, close gate and per-thread scratch.
 * Run with {@code -prof gc} to see that the steady state allocates nothing. Needs root.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class LinuxTunBenchmark {
  private static final int OFFSET = TunInNamespace.OFFSET;
  private static final int BATCH = 32;

  /** Direct buffers (the data path's pooled kind) or heap buffers (through heap segments). */
  @Param({"direct", "heap"})
  public String buffers;

  private TunInNamespace fixture;
  private LinuxTun tun;
  private ByteBuffer[] requests;
  private ByteBuffer[] dropped;
  private ByteBuffer[] replies;
  private int[] sizes;

  @Setup(Level.Trial)
  public void openTun() throws Exception {
    fixture = new TunInNamespace();
    tun = fixture.tun;
    requests = packets(TunInNamespace.echoRequest());
    dropped = packets(TunInNamespace.droppedUdp());
    replies = new ByteBuffer[BATCH];
    for (int i = 0; i < BATCH; i++) {
      replies[i] = allocate(OFFSET + TunInNamespace.MTU);
    }
    sizes = new int[BATCH];
  }

  @TearDown(Level.Trial)
  public void closeTun() throws Exception {
    fixture.close();
  }

  /** 32 packets written in one call; the kernel drops them. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int writeDroppedBatch() throws IOException {
    return tun.write(dropped, BATCH, OFFSET);
  }

  /** 32 echo requests written in one call, then their 32 replies read in one call. */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int echoBatch() throws IOException {
    tun.write(requests, BATCH, OFFSET);
    int got = 0;
    while (got < BATCH) {
      got += tun.read(replies, sizes, OFFSET);
    }
    return got;
  }

  /** One echo request written, its reply read: a batch of one each way. */
  @Benchmark
  public int echoOne() throws IOException {
    tun.write(requests, 1, OFFSET);
    return tun.read(replies, sizes, OFFSET);
  }

  private ByteBuffer[] packets(byte[] packet) {
    final ByteBuffer[] bufs = new ByteBuffer[BATCH];
    for (int i = 0; i < BATCH; i++) {
      bufs[i] = allocate(OFFSET + packet.length).put(OFFSET, packet);
    }
    return bufs;
  }

  private ByteBuffer allocate(int size) {
    return buffers.equals("direct") ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
  }
}
