package io.weft.wg.crypto;

import java.util.Arrays;

/**
 * HMAC (RFC 2104) over BLAKE2s-256, as WireGuard's {@code HMAC} (paper §5.4): block size 64, digest
 * 32. Keys longer than a block are hashed first. Reusable, allocation-free after construction, not
 * thread-safe.
 */
public final class HmacBlake2s {
  /** Digest length in bytes. */
  public static final int LENGTH = 32;

  private final Blake2s inner = new Blake2s();
  private final Blake2s outer = new Blake2s();
  private final byte[] pad = new byte[Blake2s.BLOCK_BYTES];
  private final byte[] innerDigest = new byte[LENGTH];

  /** Starts an HMAC with {@code key[keyOff, keyOff + keyLen)}. */
  public HmacBlake2s init(byte[] key, int keyOff, int keyLen) {
    Arrays.fill(pad, (byte) 0);
    if (keyLen > Blake2s.BLOCK_BYTES) {
      inner.init(LENGTH).update(key, keyOff, keyLen).doFinal(pad, 0);
    } else {
      System.arraycopy(key, keyOff, pad, 0, keyLen);
    }
    for (int i = 0; i < pad.length; i++) {
      pad[i] ^= 0x36;
    }
    inner.init(LENGTH).update(pad, 0, pad.length);
    for (int i = 0; i < pad.length; i++) {
      pad[i] ^= 0x36 ^ 0x5c;
    }
    outer.init(LENGTH).update(pad, 0, pad.length);
    Arrays.fill(pad, (byte) 0);
    return this;
  }

  /** Absorbs message bytes. */
  public HmacBlake2s update(byte[] in, int off, int len) {
    inner.update(in, off, len);
    return this;
  }

  /** Absorbs one message byte. */
  public HmacBlake2s update(byte b) {
    pad[0] = b;
    inner.update(pad, 0, 1);
    pad[0] = 0;
    return this;
  }

  /** Writes the 32-byte MAC to {@code out} at {@code off}. */
  public void doFinal(byte[] out, int off) {
    inner.doFinal(innerDigest, 0);
    outer.update(innerDigest, 0, LENGTH).doFinal(out, off);
    Arrays.fill(innerDigest, (byte) 0);
  }

  /** HMAC-BLAKE2s of {@code in} under {@code key}, into a new array. */
  public static byte[] mac(byte[] key, byte[] in) {
    byte[] out = new byte[LENGTH];
    new HmacBlake2s().init(key, 0, key.length).update(in, 0, in.length).doFinal(out, 0);
    return out;
  }
}
