package io.weft.bench.noise;

import io.weft.wg.key.NoisePrivateKey;
import io.weft.wg.noise.Handshake;
import io.weft.wg.noise.Noise;
import io.weft.wg.noise.Session;
import io.weft.wg.time.ManualClock;
import io.weft.wg.wire.Messages;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
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
 * Noise_IKpsk2 handshake costs: the initiator's side (create initiation, consume response, derive
 * keys) and the responder's side (consume initiation, create response, derive keys).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HandshakeBench {
  private final SecureRandom random = new SecureRandom();
  private ManualClock clock;
  private Noise noise;
  private NoisePrivateKey i;
  private NoisePrivateKey r;
  private Handshake iToR;
  private Handshake rToI;
  private final byte[] init = new byte[Messages.INITIATION_SIZE];
  private final byte[] resp = new byte[Messages.RESPONSE_SIZE];

  @Setup
  public void setup() {
    clock = new ManualClock();
    noise = new Noise(clock, random);
    i = NoisePrivateKey.generate(random);
    r = NoisePrivateKey.generate(random);
    iToR = new Handshake(r.publicKey(), i);
    rToI = new Handshake(i.publicKey(), r);
  }

  private Handshake lookup(io.weft.wg.key.NoisePublicKey k) {
    return rToI;
  }

  /** The initiator's work; the responder's share is done once per call too, outside neither. */
  @Benchmark
  public Session fullHandshake() {
    clock.advanceNanos(Noise.HANDSHAKE_INITIATION_RATE_NANOS + 1);
    noise.createInitiation(i, iToR, 1, init, 0);
    noise.consumeInitiation(r, r.publicKey(), init, 0, this::lookup);
    noise.createResponse(rToI, 2, resp, 0);
    noise.beginSession(rToI).destroy();
    noise.consumeResponse(i, iToR, resp, 0);
    return noise.beginSession(iToR);
  }

  @Benchmark
  public boolean initiatorCreateInitiation() {
    return noise.createInitiation(i, iToR, 1, init, 0);
  }

  @Benchmark
  public Handshake responderConsumeInitiation() {
    clock.advanceNanos(Noise.HANDSHAKE_INITIATION_RATE_NANOS + 1);
    noise.createInitiation(i, iToR, 1, init, 0);
    return noise.consumeInitiation(r, r.publicKey(), init, 0, this::lookup);
  }
}
