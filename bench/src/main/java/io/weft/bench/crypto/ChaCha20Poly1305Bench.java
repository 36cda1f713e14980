package io.weft.bench.crypto;

import io.weft.wg.crypto.ChaCha20Poly1305;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
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
 * ChaCha20-Poly1305 seal and open in place through Weft's façade, on each engine ({@code engine}:
 * the JDK cipher or OpenSSL's libcrypto through FFM), against BouncyCastle's. Report bytes/s with
 * {@code size} and B/op with {@code -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 2,
    jvmArgsAppend = {"-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChaCha20Poly1305Bench {
  @Param({"64", "512", "1420"})
  int size;

  @Param({"JDK", "OPENSSL"})
  ChaCha20Poly1305.Engine engine;

  private final byte[] key = new byte[32];
  private byte[] buf;
  private byte[] sealed;
  private int sealedLen;
  private ChaCha20Poly1305 aead;
  private org.bouncycastle.crypto.modes.ChaCha20Poly1305 bc;
  private long counter;
  private final byte[] nonce = new byte[12];

  @Setup
  public void setup() {
    for (int i = 0; i < 32; i++) {
      key[i] = (byte) i;
    }
    buf = new byte[size + 16];
    aead = new ChaCha20Poly1305(key, engine);
    sealed = new byte[size + 16];
    sealedLen = aead.seal(7, null, sealed, 0, size);
    bc = new org.bouncycastle.crypto.modes.ChaCha20Poly1305();
  }

  @Benchmark
  public int seal() {
    return aead.seal(++counter, null, buf, 0, size);
  }

  @Benchmark
  public int open() {
    System.arraycopy(sealed, 0, buf, 0, sealedLen);
    return aead.open(7, null, buf, 0, sealedLen);
  }

  @Benchmark
  public int bouncyCastleSeal() throws InvalidCipherTextException {
    long c = ++counter;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (c >>> (8 * i));
    }
    bc.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, null));
    int n = bc.processBytes(buf, 0, size, buf, 0);
    return n + bc.doFinal(buf, n);
  }
}
