package io.weft.bench.device;

import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.replay.ReplayWindow;
import io.weft.wg.wire.Messages;
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
 * The transport-data path of one packet as the device runs it: write the header, seal in place,
 * then on the other side classify, open in place and check the replay window. Packets per second at
 * the WireGuard MTU (1420) and smaller, on each {@link ChaCha20Poly1305.Engine}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {"-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TransportBench {
  @Param({"64", "1420"})
  int size;

  @Param({"JDK", "OPENSSL"})
  ChaCha20Poly1305.Engine engine;

  private final byte[] key = new byte[32];
  private ChaCha20Poly1305 send;
  private ChaCha20Poly1305 receive;
  private final ReplayWindow replay = new ReplayWindow();
  private byte[] buf;
  private long counter;

  @Setup
  public void setup() {
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) (i * 7);
    }
    send = new ChaCha20Poly1305(key, engine);
    receive = new ChaCha20Poly1305(key, engine);
    buf = new byte[16 + size + 16];
  }

  @Benchmark
  public int sealAndOpen() {
    long c = counter++;
    int n = send.seal(c, null, buf, 16, size);
    Messages.putType(buf, 0, Messages.TYPE_TRANSPORT);
    Messages.putIntLE(buf, Messages.TRANSPORT_RECEIVER, 42);
    Messages.putLongLE(buf, Messages.TRANSPORT_COUNTER, c);
    int len = 16 + n;
    if (Messages.classify(buf, 0, len) != Messages.TYPE_TRANSPORT) {
      return -1;
    }
    long got = Messages.getLongLE(buf, Messages.TRANSPORT_COUNTER);
    int plain = receive.open(got, null, buf, 16, len - 16);
    return replay.validateCounter(got, io.weft.wg.device.Constants.REJECT_AFTER_MESSAGES)
        ? plain
        : -2;
  }
}
