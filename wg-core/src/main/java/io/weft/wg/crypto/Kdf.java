package io.weft.wg.crypto;

import java.util.Arrays;

/**
 * WireGuard's key derivation {@code KDF_n(key, input)} (paper §5.4; HKDF, RFC 5869, over
 * HMAC-BLAKE2s with an empty info): {@code PRK = HMAC(key, input)}, {@code T1 = HMAC(PRK, 0x1)},
 * {@code Ti = HMAC(PRK, T(i-1) || i)}. Reusable, allocation-free, not thread-safe.
 */
public final class Kdf {
  private final HmacBlake2s hmac = new HmacBlake2s();
  private final byte[] prk = new byte[HmacBlake2s.LENGTH];
  private final byte[] t = new byte[HmacBlake2s.LENGTH];

  /**
   * Derives {@code n} (1..3) 32-byte outputs from {@code key} (32 bytes) and the input.
   *
   * @param out1 first output (required)
   * @param out2 second output, or null when {@code n < 2}
   * @param out3 third output, or null when {@code n < 3}
   */
  public void derive(
      byte[] key, byte[] in, int inOff, int inLen, byte[] out1, byte[] out2, byte[] out3) {
    hmac.init(key, 0, key.length).update(in, inOff, inLen).doFinal(prk, 0);
    hmac.init(prk, 0, prk.length).update((byte) 1).doFinal(t, 0);
    System.arraycopy(t, 0, out1, 0, HmacBlake2s.LENGTH);
    if (out2 != null) {
      hmac.init(prk, 0, prk.length).update(t, 0, t.length).update((byte) 2).doFinal(t, 0);
      System.arraycopy(t, 0, out2, 0, HmacBlake2s.LENGTH);
      if (out3 != null) {
        hmac.init(prk, 0, prk.length).update(t, 0, t.length).update((byte) 3).doFinal(t, 0);
        System.arraycopy(t, 0, out3, 0, HmacBlake2s.LENGTH);
      }
    }
    Arrays.fill(prk, (byte) 0);
    Arrays.fill(t, (byte) 0);
  }

  /** KDF1 into a new array. */
  public static byte[] kdf1(byte[] key, byte[] in) {
    byte[] a = new byte[32];
    new Kdf().derive(key, in, 0, in.length, a, null, null);
    return a;
  }

  /** KDF2 into new arrays. */
  public static byte[][] kdf2(byte[] key, byte[] in) {
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    new Kdf().derive(key, in, 0, in.length, a, b, null);
    return new byte[][] {a, b};
  }

  /** KDF3 into new arrays. */
  public static byte[][] kdf3(byte[] key, byte[] in) {
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    byte[] c = new byte[32];
    new Kdf().derive(key, in, 0, in.length, a, b, c);
    return new byte[][] {a, b, c};
  }
}
