package io.weft.wg.crypto;

import java.security.SecureRandom;

/**
 * X25519 Diffie-Hellman (RFC 7748 §5), WireGuard's {@code DH} (paper §5.4).
 *
 * <p>Backed by BouncyCastle's low-level {@code rfc7748.X25519} (constant-time field arithmetic on
 * plain arrays): measured faster than the JDK's {@code XDH} {@code KeyAgreement} here, which pays
 * for key objects and provider lookups on every call (see {@code bench/README.md}).
 */
public final class X25519 {
  /** Key and shared-secret length in bytes. */
  public static final int KEY_LENGTH = 32;

  private X25519() {}

  /** Clamps a scalar as RFC 7748 §5 decodeScalar25519 and {@code wg genkey} do. */
  public static void clamp(byte[] k, int off) {
    k[off] &= (byte) 248;
    k[off + 31] &= 127;
    k[off + 31] |= 64;
  }

  /** A new clamped private key from {@code random}. */
  public static byte[] generatePrivateKey(SecureRandom random) {
    byte[] k = new byte[KEY_LENGTH];
    random.nextBytes(k);
    clamp(k, 0);
    return k;
  }

  /** Writes the public key for {@code privateKey} to {@code out} at {@code outOff}. */
  public static void publicKey(byte[] privateKey, int off, byte[] out, int outOff) {
    org.bouncycastle.math.ec.rfc7748.X25519.scalarMultBase(privateKey, off, out, outOff);
  }

  /** The public key for {@code privateKey}, in a new array. */
  public static byte[] publicKey(byte[] privateKey) {
    byte[] out = new byte[KEY_LENGTH];
    publicKey(privateKey, 0, out, 0);
    return out;
  }

  /**
   * Computes {@code X25519(scalar, u)} into {@code out}.
   *
   * @return false when the result is all zero (a low-order point), which callers must reject
   */
  public static boolean sharedSecret(
      byte[] scalar, int scalarOff, byte[] u, int uOff, byte[] out, int outOff) {
    org.bouncycastle.math.ec.rfc7748.X25519.scalarMult(scalar, scalarOff, u, uOff, out, outOff);
    int acc = 0;
    for (int i = 0; i < KEY_LENGTH; i++) {
      acc |= out[outOff + i];
    }
    return acc != 0;
  }
}
