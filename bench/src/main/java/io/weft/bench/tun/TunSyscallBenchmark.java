package io.weft.bench.tun;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code read(2)}/{@code write(2)} on a Linux TUN through each binding, on the same descriptor
 * and the same direct buffer (addresses and segments prepared once, so only the call differs):
 *
 * <ul>
 *   <li>{@code readEmpty}: a non-blocking read with nothing queued, {@code EAGAIN} and its errno
 *       fetched: the call's fixed cost, and what ends every batch;
 *   <li>{@code writeDropped}: a 1400-byte packet the kernel routes nowhere and drops;
 *   <li>{@code echo}: an ICMP echo request written to the TUN's own address, and the reply the
 *       kernel queues back on the TUN read (the kernel replies inside the write call).
 * </ul>
 *
 * Needs root (it creates a network namespace).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class TunSyscallBenchmark {
  private static final long EAGAIN = -11;

  private TunInNamespace fixture;
  private int fd;
  private MemorySegment callState;
  private MemorySegment readSeg;
  private MemorySegment droppedSeg;
  private MemorySegment echoSeg;
  private long readAddr;
  private long droppedAddr;
  private long echoAddr;

  @Setup(Level.Trial)
  public void openTun() throws Throwable {
    fixture = new TunInNamespace();
    fd = fixture.tun.fileDescriptor();
    callState = FfmLibc.callState();
    readSeg = segment(ByteBuffer.allocateDirect(TunInNamespace.MTU));
    droppedSeg = segment(filled(TunInNamespace.droppedUdp()));
    echoSeg = segment(filled(TunInNamespace.echoRequest()));
    readAddr = readSeg.address();
    droppedAddr = droppedSeg.address();
    echoAddr = echoSeg.address();

    // The benchmarks below are only meaningful if the TUN is empty and answers echoes.
    check(JnaDirectLibc.writeOrErrno(fd, droppedAddr, droppedSeg.byteSize()) > 0, "write");
    check(FfmLibc.readCritical(callState, fd, readSeg) == EAGAIN, "dropped packet left no reply");
    check(echoFfmCritical() > 0, "echo reply");
    check(
        JnaDirectLibc.readOrErrno(fd, readAddr, readSeg.byteSize()) == EAGAIN, "empty after echo");
  }

  @TearDown(Level.Trial)
  public void closeTun() throws Exception {
    fixture.close();
  }

  @Benchmark
  public long readEmptyJnaDirect() {
    return JnaDirectLibc.readOrErrno(fd, readAddr, readSeg.byteSize());
  }

  @Benchmark
  public long readEmptyFfm() throws Throwable {
    return FfmLibc.read(callState, fd, readSeg);
  }

  @Benchmark
  public long readEmptyFfmCritical() throws Throwable {
    return FfmLibc.readCritical(callState, fd, readSeg);
  }

  @Benchmark
  public long writeDroppedJnaDirect() {
    return JnaDirectLibc.writeOrErrno(fd, droppedAddr, droppedSeg.byteSize());
  }

  @Benchmark
  public long writeDroppedFfm() throws Throwable {
    return FfmLibc.write(callState, fd, droppedSeg);
  }

  @Benchmark
  public long writeDroppedFfmCritical() throws Throwable {
    return FfmLibc.writeCritical(callState, fd, droppedSeg);
  }

  @Benchmark
  public long echoJnaDirect() {
    JnaDirectLibc.writeOrErrno(fd, echoAddr, echoSeg.byteSize());
    long r;
    int spins = 0;
    while ((r = JnaDirectLibc.readOrErrno(fd, readAddr, readSeg.byteSize())) == EAGAIN) {
      noReply(++spins);
    }
    return r;
  }

  @Benchmark
  public long echoFfm() throws Throwable {
    FfmLibc.write(callState, fd, echoSeg);
    long r;
    int spins = 0;
    while ((r = FfmLibc.read(callState, fd, readSeg)) == EAGAIN) {
      noReply(++spins);
    }
    return r;
  }

  @Benchmark
  public long echoFfmCritical() throws Throwable {
    FfmLibc.writeCritical(callState, fd, echoSeg);
    long r;
    int spins = 0;
    while ((r = FfmLibc.readCritical(callState, fd, readSeg)) == EAGAIN) {
      noReply(++spins);
    }
    return r;
  }

  private static void noReply(int spins) {
    if (spins > 1_000_000) {
      throw new IllegalStateException("no echo reply on the TUN");
    }
  }

  private static ByteBuffer filled(byte[] packet) {
    return ByteBuffer.allocateDirect(packet.length).put(0, packet);
  }

  private static MemorySegment segment(ByteBuffer direct) {
    return MemorySegment.ofBuffer(direct);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("benchmark precondition failed: " + what);
    }
  }
}
