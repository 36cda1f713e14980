package io.weft.dist.quickstart;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.crypto.Kdf;
import io.weft.wg.crypto.SelfTest;
import io.weft.wg.crypto.X25519;
import io.weft.wg.crypto.XChaCha20Poly1305;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs wg-core's built-in known-answer self-test of every primitive of {@code io.weft.wg.crypto}
 * ({@link SelfTest}) and times each briefly. The timing is a rough indication; {@code bench/} holds
 * the JMH numbers.
 */
final class CryptoSelfCheck {
  private static final long MEASURE_NANOS = 200_000_000L;
  private final PrintWriter out;

  CryptoSelfCheck(PrintWriter out) {
    this.out = out;
  }

  /** Prints one line per primitive; returns whether every vector matched. */
  boolean run() {
    final Map<String, String> speeds = new HashMap<>();
    speeds.put("X25519", speed(x25519Speed(), "ops/s"));
    speeds.put("ChaCha20-Poly1305", speed(sealSpeed(), "MB/s seal, 1420 B"));
    speeds.put("XChaCha20-Poly1305", speed(xchachaSpeed(), "ops/s (cookie)"));
    speeds.put("BLAKE2s", speed(blakeSpeed(), "MB/s, 1420 B"));
    speeds.put("KDF1..3", speed(kdfSpeed(), "KDF3/s"));
    boolean ok = true;
    for (SelfTest.Result r : SelfTest.run()) {
      ok &= r.ok();
      out.printf(
          Locale.ROOT,
          "  %-20s %3d/%-3d %-4s %-46s %s%n",
          r.primitive(),
          r.passed(),
          r.total(),
          r.ok() ? "ok" : "FAIL",
          abbreviate(r.source()),
          speeds.getOrDefault(r.primitive(), ""));
    }
    out.println(ok ? "  All known answers match." : "  SOME KNOWN ANSWERS DO NOT MATCH.");
    out.flush();
    return ok;
  }

  private static String speed(double speed, String unit) {
    return String.format(Locale.ROOT, "%,12.0f %s", speed, unit);
  }

  private static String abbreviate(String s) {
    return s.length() <= 46 ? s : s.substring(0, 43) + "...";
  }

  /** Calls {@code op} repeatedly for about 200 ms and returns calls per second. */
  private static double rate(Runnable op) {
    // Warm up long enough for the JIT to compile the hot loop (and use the AEAD intrinsics).
    long warm = System.nanoTime();
    while (System.nanoTime() - warm < MEASURE_NANOS) {
      for (int i = 0; i < 50; i++) {
        op.run();
      }
    }
    long start = System.nanoTime();
    long n = 0;
    long now;
    do {
      for (int i = 0; i < 50; i++) {
        op.run();
      }
      n += 50;
      now = System.nanoTime();
    } while (now - start < MEASURE_NANOS);
    return n * 1e9 / (now - start);
  }

  private static double x25519Speed() {
    byte[] k = X25519.generatePrivateKey(new SecureRandom());
    byte[] u = X25519.publicKey(X25519.generatePrivateKey(new SecureRandom()));
    byte[] r = new byte[32];
    return rate(() -> X25519.sharedSecret(k, 0, u, 0, r, 0));
  }

  private static double sealSpeed() {
    ChaCha20Poly1305 a = new ChaCha20Poly1305(new byte[32]);
    byte[] buf = new byte[1420 + 16];
    long[] counter = {0};
    return rate(() -> a.seal(counter[0]++, null, buf, 0, 1420)) * 1420 / 1e6;
  }

  private static double xchachaSpeed() {
    byte[] key = new byte[32];
    byte[] nonce = new byte[24];
    byte[] in = new byte[16];
    byte[] o = new byte[32];
    return rate(() -> XChaCha20Poly1305.seal(key, nonce, in, in, 0, 16, o, 0));
  }

  private static double blakeSpeed() {
    Blake2s b = new Blake2s();
    byte[] in = new byte[1420];
    byte[] o = new byte[32];
    return rate(() -> b.init(32).update(in, 0, in.length).doFinal(o, 0)) * 1420 / 1e6;
  }

  private static double kdfSpeed() {
    Kdf k = new Kdf();
    byte[] key = new byte[32];
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    byte[] c = new byte[32];
    return rate(() -> k.derive(key, key, 0, 32, a, b, c));
  }
}
