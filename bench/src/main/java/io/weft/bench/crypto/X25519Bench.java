package io.weft.bench.crypto;

import io.weft.wg.crypto.X25519;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * X25519 shared-secret computation: BouncyCastle's raw rfc7748 arithmetic (Weft's choice) against
 * the JDK's XDH KeyAgreement, both from raw 32-byte keys as a handshake has them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class X25519Bench {
  private byte[] scalar;
  private byte[] peer;
  private final byte[] out = new byte[32];
  private KeyFactory kf;
  private KeyAgreement ka;

  @Setup
  public void setup() throws GeneralSecurityException {
    SecureRandom r = new SecureRandom();
    scalar = X25519.generatePrivateKey(r);
    peer = X25519.publicKey(X25519.generatePrivateKey(r));
    kf = KeyFactory.getInstance("XDH");
    ka = KeyAgreement.getInstance("XDH");
  }

  @Benchmark
  public boolean bouncyCastleRaw() {
    return X25519.sharedSecret(scalar, 0, peer, 0, out, 0);
  }

  @Benchmark
  public byte[] jdkXdh() throws GeneralSecurityException {
    PrivateKey priv = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = peer[31 - i];
    }
    PublicKey pub =
        kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
    ka.init(priv);
    ka.doPhase(pub, true);
    return ka.generateSecret();
  }
}
