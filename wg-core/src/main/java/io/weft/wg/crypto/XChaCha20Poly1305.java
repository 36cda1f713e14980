package io.weft.wg.crypto;

import java.util.Arrays;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2): HChaCha20 derives a subkey from the key and
 * the first 16 nonce bytes, then ChaCha20-Poly1305 runs under it with the nonce {@code 0^4 ||
 * nonce[16..24)}. WireGuard seals cookies with it (paper §5.4.7). Cookies are rare, so this favours
 * clarity over reuse.
 */
public final class XChaCha20Poly1305 {
  /** Nonce length in bytes. */
  public static final int NONCE_LENGTH = 24;

  private XChaCha20Poly1305() {}

  /** Seals {@code plaintext} into {@code out} at {@code outOff}; returns the sealed length. */
  public static int seal(
      byte[] key,
      byte[] nonce24,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return seal(null, key, nonce24, aad, in, inOff, len, out, outOff);
  }

  /**
   * {@link #seal(byte[], byte[], byte[], byte[], int, int, byte[], int)} re-keying {@code reuse}
   * (when not null) instead of creating a cipher: the cookie path under a handshake flood.
   */
  public static int seal(
      ChaCha20Poly1305 reuse,
      byte[] key,
      byte[] nonce24,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    byte[] sub = new byte[32];
    byte[] nonce = new byte[12];
    derive(key, nonce24, sub, nonce);
    try {
      if (reuse == null) {
        return ChaCha20Poly1305.sealOnce(sub, nonce, aad, in, inOff, len, out, outOff);
      }
      reuse.rekey(sub, 0);
      return reuse.sealWithNonce(nonce, aad, in, inOff, len, out, outOff);
    } finally {
      Arrays.fill(sub, (byte) 0);
    }
  }

  /** Opens into {@code out}; returns the plaintext length or -1 if the tag does not verify. */
  public static int open(
      byte[] key,
      byte[] nonce24,
      byte[] aad,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    byte[] sub = new byte[32];
    byte[] nonce = new byte[12];
    derive(key, nonce24, sub, nonce);
    try {
      return ChaCha20Poly1305.openOnce(sub, nonce, aad, in, inOff, len, out, outOff);
    } finally {
      Arrays.fill(sub, (byte) 0);
    }
  }

  private static void derive(byte[] key, byte[] nonce24, byte[] subKey, byte[] nonce12) {
    if (nonce24.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("XChaCha20 nonce must be 24 bytes");
    }
    hChaCha20(key, nonce24, subKey);
    System.arraycopy(nonce24, 16, nonce12, 4, 8);
  }

  /** HChaCha20 (draft §2.2): 32-byte key and 16-byte nonce in, 32-byte subkey out. */
  public static void hChaCha20(byte[] key, byte[] nonce16, byte[] out) {
    int[] x = new int[16];
    x[0] = 0x61707865;
    x[1] = 0x3320646e;
    x[2] = 0x79622d32;
    x[3] = 0x6b206574;
    for (int i = 0; i < 8; i++) {
      x[4 + i] = le32(key, 4 * i);
    }
    for (int i = 0; i < 4; i++) {
      x[12 + i] = le32(nonce16, 4 * i);
    }
    for (int r = 0; r < 10; r++) {
      quarter(x, 0, 4, 8, 12);
      quarter(x, 1, 5, 9, 13);
      quarter(x, 2, 6, 10, 14);
      quarter(x, 3, 7, 11, 15);
      quarter(x, 0, 5, 10, 15);
      quarter(x, 1, 6, 11, 12);
      quarter(x, 2, 7, 8, 13);
      quarter(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 4; i++) {
      putLe32(out, 4 * i, x[i]);
      putLe32(out, 16 + 4 * i, x[12 + i]);
    }
    Arrays.fill(x, 0);
  }

  private static void quarter(int[] x, int a, int b, int c, int d) {
    x[a] += x[b];
    x[d] = Integer.rotateLeft(x[d] ^ x[a], 16);
    x[c] += x[d];
    x[b] = Integer.rotateLeft(x[b] ^ x[c], 12);
    x[a] += x[b];
    x[d] = Integer.rotateLeft(x[d] ^ x[a], 8);
    x[c] += x[d];
    x[b] = Integer.rotateLeft(x[b] ^ x[c], 7);
  }

  private static int le32(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | b[off + 3] << 24;
  }

  private static void putLe32(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }
}
