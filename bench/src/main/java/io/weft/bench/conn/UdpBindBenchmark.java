package io.weft.bench.conn;

import io.weft.wg.conn.Bind;
import io.weft.wg.conn.Endpoint;
import io.weft.wg.conn.UdpBind;
import io.weft.wg.conn.linux.LinuxBatchUdpBind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Datagrams per second through a {@link Bind} over loopback: one thread sends batches of 64
 * datagrams of 1420 bytes as fast as it can, another receives. {@code received} (datagrams that
 * arrived, per second) is the figure to compare; {@code sent} is the offered load, and the gap is
 * what the receiving socket dropped.
 *
 * <p>{@code bind}: {@code udp} is {@link UdpBind} (one system call per datagram), {@code mmsg} is
 * {@link LinuxBatchUdpBind} without GSO (one {@code sendmmsg}/{@code recvmmsg} per batch), {@code
 * gso} the same with UDP GSO on send. {@code buffers}: heap buffers go through native staging in
 * the batched bind, direct ones do not.
 *
 * <p>When an iteration ends the sender stops first and the receiver would block for good, so a
 * watchdog thread sends it a one-byte datagram once it has been waiting for 50 ms (never while the
 * sender is running).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Group)
public class UdpBindBenchmark {
  private static final int DATAGRAM = 1420;
  private static final int BATCH = 64;

  @Param({"udp", "mmsg", "gso"})
  public String bind;

  @Param({"heap", "direct"})
  public String buffers;

  private Bind sender;
  private Bind receiver;
  private Endpoint destination;
  private ByteBuffer[] out;
  private ByteBuffer[] in;
  private int[] sizes;
  private Endpoint[] sources;
  private volatile long receivingSince;
  private volatile boolean closed;
  private Thread watchdog;

  /** Datagrams the sending thread handed to the bind. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Sent {
    public long sent;

    @Setup(Level.Iteration)
    public void reset() {
      sent = 0;
    }
  }

  /** Datagrams the receiving thread got. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Received {
    public long received;

    @Setup(Level.Iteration)
    public void reset() {
      received = 0;
    }
  }

  @Setup(Level.Trial)
  public void open() throws IOException {
    sender = newBind();
    receiver = newBind();
    sender.open(0);
    final int port = receiver.open(0);
    destination = sender.parseEndpoint("127.0.0.1:" + port);
    out = new ByteBuffer[BATCH];
    for (int i = 0; i < BATCH; i++) {
      out[i] = allocate(DATAGRAM);
      for (int j = 0; j < DATAGRAM; j++) {
        out[i].put(j, (byte) (i + j));
      }
    }
    final int rb = receiver.batchSize();
    in = new ByteBuffer[rb];
    for (int i = 0; i < rb; i++) {
      in[i] = allocate(65_600);
    }
    sizes = new int[rb];
    sources = new Endpoint[rb];
    watchdog = Thread.ofPlatform().daemon().name("wake-receiver").start(() -> wakeReceiver(port));
  }

  private void wakeReceiver(int port) {
    try (DatagramChannel ch = DatagramChannel.open()) {
      final InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
      while (!closed) {
        Thread.sleep(20);
        final long since = receivingSince;
        if (since != 0 && System.nanoTime() - since > 50_000_000L) {
          ch.send(ByteBuffer.allocate(1), to);
        }
      }
    } catch (IOException | InterruptedException e) {
      // The trial is over.
    }
  }

  private Bind newBind() {
    return switch (bind) {
      case "udp" -> new UdpBind();
      case "mmsg" -> new LinuxBatchUdpBind(LinuxBatchUdpBind.DEFAULT_BATCH_SIZE, false);
      case "gso" -> new LinuxBatchUdpBind(LinuxBatchUdpBind.DEFAULT_BATCH_SIZE, true);
      default -> throw new IllegalArgumentException(bind);
    };
  }

  private ByteBuffer allocate(int capacity) {
    return buffers.equals("direct")
        ? ByteBuffer.allocateDirect(capacity)
        : ByteBuffer.allocate(capacity);
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    closed = true;
    watchdog.join();
    sender.close();
    receiver.close();
  }

  @Benchmark
  @Group("loopback")
  @GroupThreads(1)
  public void send(Sent counter) throws IOException {
    final ByteBuffer[] bufs = out;
    for (int i = 0; i < BATCH; i++) {
      bufs[i].clear().limit(DATAGRAM);
    }
    sender.send(bufs, BATCH, destination);
    counter.sent += BATCH;
  }

  @Benchmark
  @Group("loopback")
  @GroupThreads(1)
  public void receive(Received counter) throws IOException {
    receivingSince = System.nanoTime();
    counter.received += receiver.receive(in, sizes, sources);
    receivingSince = 0;
  }
}
