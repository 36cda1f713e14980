package io.weft.wg.crypto;

import java.nio.ByteBuffer;

/**
 * One implementation of ChaCha20-Poly1305 behind {@link ChaCha20Poly1305}, which checks every index
 * before calling in: engines trust their arguments (12-byte nonce, regions inside the buffer with
 * room for the tag, open lengths of at least 16) and are used by one thread at a time.
 */
abstract sealed class AeadEngine permits JdkAead, OpenSslAead {
  /** Replaces the key with {@code key[off, off + 32)}. */
  abstract void rekey(byte[] key, int off);

  /** Seals {@code buf[off, off + len)} in place and appends the tag; returns {@code len + 16}. */
  abstract int seal(byte[] nonce, byte[] aad, byte[] buf, int off, int len);

  /** Opens {@code buf[off, off + len)} in place; -1 (buffer unchanged) when the tag is wrong. */
  abstract int open(byte[] nonce, byte[] aad, byte[] buf, int off, int len);

  /** {@link #seal(byte[], byte[], byte[], int, int)} on a direct, writable buffer. */
  abstract int seal(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len);

  /** {@link #open(byte[], byte[], byte[], int, int)} on a direct, writable buffer. */
  abstract int open(byte[] nonce, byte[] aad, ByteBuffer direct, int off, int len);

  /**
   * Opens {@code in[inOff, inOff + len)} into {@code out} at {@code outOff}, a region that may
   * overlap the input; writes nothing when the tag is wrong.
   */
  abstract int openInto(
      byte[] nonce, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff);

  /** Erases the key and frees what the engine holds; the engine is not used afterwards. */
  abstract void destroy();
}
