package io.weft.bench.crypto;

import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.crypto.XChaCha20Poly1305;
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
 * XChaCha20-Poly1305 seal (HChaCha20 subkey + the JDK AEAD), as cookie replies use it (16 bytes)
 * and at the sizes every primitive is measured at; with a fresh cipher per call and with the
 * re-keyed one the cookie checker keeps.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class XChaCha20Poly1305Bench {
  @Param({"16", "64", "1420", "65535"})
  int size;

  private final byte[] key = new byte[32];
  private final byte[] nonce = new byte[24];
  private byte[] in;
  private byte[] out;
  private final ChaCha20Poly1305 reused = new ChaCha20Poly1305(new byte[32]);

  @Setup
  public void setup() {
    in = new byte[size];
    out = new byte[size + 16];
  }

  @Benchmark
  public int sealFreshCipher() {
    nonce[0]++;
    return XChaCha20Poly1305.seal(key, nonce, null, in, 0, size, out, 0);
  }

  @Benchmark
  public int sealReusedCipher() {
    nonce[0]++;
    return XChaCha20Poly1305.seal(reused, key, nonce, null, in, 0, size, out, 0);
  }
}
