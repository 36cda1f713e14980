package io.weft.bench.crypto;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.HmacBlake2s;
import io.weft.wg.crypto.Kdf;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.digests.Blake2sDigest;
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

/** BLAKE2s (Weft's own against BouncyCastle's), keyed MAC-128, HMAC-BLAKE2s and KDF3. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Blake2sBench {
  @Param({"64", "1420", "65535"})
  int size;

  private byte[] in;
  private final byte[] key = new byte[32];
  private final byte[] out = new byte[32];
  private final byte[] a = new byte[32];
  private final byte[] b = new byte[32];
  private final byte[] c = new byte[32];
  private final Blake2s weft = new Blake2s();
  private final Blake2sDigest bc = new Blake2sDigest(256);
  private final HmacBlake2s hmac = new HmacBlake2s();
  private final Kdf kdf = new Kdf();

  @Setup
  public void setup() {
    in = new byte[size];
  }

  @Benchmark
  public int weftBlake2s256() {
    return weft.init(32).update(in, 0, size).doFinal(out, 0);
  }

  @Benchmark
  public int bouncyCastleBlake2s256() {
    bc.update(in, 0, size);
    return bc.doFinal(out, 0);
  }

  @Benchmark
  public int weftMac128() {
    return weft.initKeyed(16, key, 0, 32).update(in, 0, size).doFinal(out, 0);
  }

  @Benchmark
  public byte[] weftHmac() {
    hmac.init(key, 0, 32).update(in, 0, size).doFinal(out, 0);
    return out;
  }

  @Benchmark
  public byte[] weftKdf3() {
    kdf.derive(key, in, 0, size, a, b, c);
    return c;
  }
}
