package io.weft.dist.quickstart;

import io.weft.testvectors.VectorFile;
import io.weft.testvectors.VectorFile.Case;
import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.ChaCha20Poly1305;
import io.weft.wg.crypto.HmacBlake2s;
import io.weft.wg.crypto.Kdf;
import io.weft.wg.crypto.X25519;
import io.weft.wg.crypto.XChaCha20Poly1305;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Runs every primitive of {@code io.weft.wg.crypto} against the known-answer files of {@code
 * testvectors} and times it briefly.
 * The timing is a rough indication; {@code bench/} holds the JMH numbers.
 */
final class CryptoSelfCheck {
  private static final long MEASURE_NANOS = 200_000_000L;
  private final PrintWriter out;

  CryptoSelfCheck(PrintWriter out) {
    this.out = out;
  }

  /** Prints one line per primitive; returns whether every vector matched. */
  boolean run() {
    boolean ok = true;
    ok &= check("X25519", "x25519-rfc7748", CryptoSelfCheck::x25519, x25519Speed(), "ops/s");
    ok &= check("ChaCha20-Poly1305", "chacha20poly1305-rfc8439", CryptoSelfCheck::chacha, sealSpeed(), "MB/s seal, 1420 B");
    ok &= check("XChaCha20-Poly1305", "xchacha20poly1305-draft", CryptoSelfCheck::xchacha, xchachaSpeed(), "ops/s (cookie)");
    ok &= check("BLAKE2s", "blake2s-rfc7693", CryptoSelfCheck::blake2s, blakeSpeed(), "MB/s, 1420 B");
    ok &= check("BLAKE2s keyed", "blake2s-keyed", CryptoSelfCheck::blake2s, -1, "");
    ok &= check("HMAC-BLAKE2s", "hmac-blake2s", c -> Arrays.equals(HmacBlake2s.mac(c.bytes("key"), c.bytes("input")), c.bytes("out")), -1, "");
    ok &= check("KDF1..3", "hkdf-blake2s", CryptoSelfCheck::kdf, kdfSpeed(), "KDF3/s");
    out.println(ok ? "  All known answers match." : "  SOME KNOWN ANSWERS DO NOT MATCH.");
    out.flush();
    return ok;
  }

  private boolean check(String what, String file, Predicate<Case> test, double speed, String unit) {
    VectorFile f = VectorFile.load(file);
    int pass = 0;
    for (Case c : f.cases()) {
      boolean good;
      try {
        good = test.test(c);
      } catch (RuntimeException e) {
        good = false;
      }
      if (good) {
        pass++;
      } else {
        out.println("  MISMATCH " + c);
      }
    }
    String rate = speed < 0 ? "" : String.format(Locale.ROOT, "%,12.0f %s", speed, unit);
    out.printf(Locale.ROOT, "  %-20s %3d/%-3d %-4s %-46s %s%n", what, pass, f.cases().size(),
        pass == f.cases().size() ? "ok" : "FAIL", abbreviate(f.source()), rate);
    return pass == f.cases().size();
  }

  private static String abbreviate(String s) {
    return s.length() <= 46 ? s : s.substring(0, 43) + "...";
  }

  private static boolean x25519(Case c) {
    byte[] r = new byte[32];
    return switch (c.str("kind")) {
      case "scalarmult" -> {
        X25519.sharedSecret(c.bytes("scalar"), 0, c.bytes("u"), 0, r, 0);
        yield Arrays.equals(r, c.bytes("out"));
      }
      case "iterate" -> {
        byte[] k = new byte[32];
        byte[] u = new byte[32];
        k[0] = 9;
        u[0] = 9;
        for (int i = Integer.parseInt(c.str("iterations")); i > 0; i--) {
          X25519.sharedSecret(k, 0, u, 0, r, 0);
          System.arraycopy(k, 0, u, 0, 32);
          System.arraycopy(r, 0, k, 0, 32);
        }
        yield Arrays.equals(k, c.bytes("out"));
      }
      case "dh" -> {
        X25519.sharedSecret(c.bytes("alice_private"), 0, c.bytes("bob_public"), 0, r, 0);
        yield Arrays.equals(X25519.publicKey(c.bytes("alice_private")), c.bytes("alice_public"))
            && Arrays.equals(r, c.bytes("shared"));
      }
      default -> false;
    };
  }

  private static boolean chacha(Case c) {
    byte[] pt = c.bytes("plaintext");
    byte[] buf = Arrays.copyOf(pt, pt.length + 16);
    ChaCha20Poly1305 a = new ChaCha20Poly1305(c.bytes("key"));
    int n = a.sealWithNonce(c.bytes("nonce"), c.bytes("aad"), buf, 0, pt.length, buf, 0);
    byte[] ct = c.bytes("ciphertext");
    return Arrays.equals(buf, 0, ct.length, ct, 0, ct.length)
        && Arrays.equals(buf, ct.length, n, c.bytes("tag"), 0, 16)
        && a.openWithNonce(c.bytes("nonce"), c.bytes("aad"), buf, 0, n, buf, 0) == pt.length;
  }

  private static boolean xchacha(Case c) {
    if (c.str("kind").equals("hchacha20")) {
      byte[] o = new byte[32];
      XChaCha20Poly1305.hChaCha20(c.bytes("key"), c.bytes("nonce"), o);
      return Arrays.equals(o, c.bytes("out"));
    }
    byte[] pt = c.bytes("plaintext");
    byte[] o = new byte[pt.length + 16];
    XChaCha20Poly1305.seal(c.bytes("key"), c.bytes("nonce"), c.bytes("aad"), pt, 0, pt.length, o, 0);
    byte[] ct = c.bytes("ciphertext");
    return Arrays.equals(o, 0, ct.length, ct, 0, ct.length) && Arrays.equals(o, ct.length, o.length, c.bytes("tag"), 0, 16);
  }

  private static boolean blake2s(Case c) {
    byte[] key = c.has("key") ? c.bytes("key") : new byte[0];
    int len = c.has("outlen") ? Integer.parseInt(c.str("outlen")) : 32;
    return Arrays.equals(new Blake2s().initKeyed(len, key, 0, key.length).update(c.bytes("input")).doFinal(), c.bytes("out"));
  }

  private static boolean kdf(Case c) {
    byte[][] t = Kdf.kdf3(c.bytes("key"), c.bytes("input"));
    return Arrays.equals(t[0], c.bytes("t0")) && Arrays.equals(t[1], c.bytes("t1"))
        && (!c.has("t2") || Arrays.equals(t[2], c.bytes("t2")));
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
    byte[] k = X25519.generatePrivateKey(new java.security.SecureRandom());
    byte[] u = X25519.publicKey(X25519.generatePrivateKey(new java.security.SecureRandom()));
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
