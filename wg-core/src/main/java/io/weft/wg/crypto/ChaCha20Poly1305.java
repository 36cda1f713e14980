package io.weft.wg.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) under one key, sealing and opening in place.
 *
 * <p>Backed by the JDK's {@code ChaCha20-Poly1305} cipher (HotSpot intrinsics for ChaCha20 and
 * Poly1305): measured at about 8× BouncyCastle's on this machine (see {@code bench/README.md}).
 * The {@code Cipher} and key spec are reused; the JDK allocates a little per {@code init}, which
 * {@code bench} reports and a test bounds. Open verifies the tag before writing any plaintext: on
 * failure the buffer is left as it was.
 *
 * <p>WireGuard's nonce is 32 zero bits then the 64-bit little-endian counter (paper §5.4.6).
 * Not thread-safe: one instance per thread per key.
 */
public final class ChaCha20Poly1305 {
  /** Key length in bytes. */
  public static final int KEY_LENGTH = 32;
  /** Nonce length in bytes. */
  public static final int NONCE_LENGTH = 12;
  /** Authentication tag length in bytes. */
  public static final int TAG_LENGTH = 16;

  private final Cipher cipher;
  private final byte[] nonce = new byte[NONCE_LENGTH];
  private final byte[] keyBytes = new byte[KEY_LENGTH];
  private SecretKeySpec key;

  /** An instance keyed with {@code key} (32 bytes, copied). */
  public ChaCha20Poly1305(byte[] key) {
    try {
      cipher = Cipher.getInstance("ChaCha20-Poly1305");
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw new IllegalStateException("this JDK lacks ChaCha20-Poly1305", e);
    }
    rekey(key, 0);
  }

  /** Replaces the key with {@code key[off, off + 32)}. */
  public void rekey(byte[] key, int off) {
    System.arraycopy(key, off, keyBytes, 0, KEY_LENGTH);
    this.key = new SecretKeySpec(keyBytes, "ChaCha20");
  }

  /** Writes WireGuard's nonce for {@code counter} into {@code nonce}. */
  static void counterNonce(long counter, byte[] nonce) {
    nonce[0] = 0;
    nonce[1] = 0;
    nonce[2] = 0;
    nonce[3] = 0;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (counter >>> (8 * i));
    }
  }

  /**
   * Seals {@code buf[off, off + len)} in place with counter {@code counter}, appending the tag.
   *
   * @param aad additional data, or null
   * @return the sealed length, {@code len + 16}
   */
  public int seal(long counter, byte[] aad, byte[] buf, int off, int len) {
    counterNonce(counter, nonce);
    return sealWithNonce(nonce, aad, buf, off, len, buf, off);
  }

  /**
   * Opens {@code buf[off, off + len)} (ciphertext then tag) in place.
   *
   * @return the plaintext length, or -1 when the tag does not verify (buffer unchanged)
   */
  public int open(long counter, byte[] aad, byte[] buf, int off, int len) {
    counterNonce(counter, nonce);
    return openWithNonce(nonce, aad, buf, off, len, buf, off);
  }

  /** {@link #seal(long, byte[], byte[], int, int)} on a buffer, at absolute indexes. */
  public int seal(long counter, byte[] aad, ByteBuffer buf, int off, int len) {
    if (buf.hasArray()) {
      return seal(counter, aad, buf.array(), buf.arrayOffset() + off, len);
    }
    counterNonce(counter, nonce);
    try {
      init(Cipher.ENCRYPT_MODE, nonce, aad);
      return cipher.doFinal(buf.duplicate().limit(off + len).position(off), buf.duplicate().position(off));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
    }
  }

  /** {@link #open(long, byte[], byte[], int, int)} on a buffer, at absolute indexes. */
  public int open(long counter, byte[] aad, ByteBuffer buf, int off, int len) {
    if (buf.hasArray()) {
      return open(counter, aad, buf.array(), buf.arrayOffset() + off, len);
    }
    if (len < TAG_LENGTH) {
      return -1;
    }
    counterNonce(counter, nonce);
    try {
      init(Cipher.DECRYPT_MODE, nonce, aad);
      return cipher.doFinal(buf.duplicate().limit(off + len).position(off), buf.duplicate().position(off));
    } catch (AEADBadTagException e) {
      return -1;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
    }
  }

  /**
   * Seals {@code in[inOff, inOff + len)} with an explicit 12-byte nonce into {@code out} at
   * {@code outOff} (may be the same region).
   */
  public int sealWithNonce(
      byte[] nonce12, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    try {
      init(Cipher.ENCRYPT_MODE, nonce12, aad);
      return cipher.doFinal(in, inOff, len, out, outOff);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
    }
  }

  /**
   * Opens {@code in[inOff, inOff + len)} with an explicit nonce into {@code out} at {@code
   * outOff}; returns the plaintext length or -1 when the tag does not verify (nothing written).
   */
  public int openWithNonce(
      byte[] nonce12, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    if (len < TAG_LENGTH) {
      return -1;
    }
    try {
      init(Cipher.DECRYPT_MODE, nonce12, aad);
      return cipher.doFinal(in, inOff, len, out, outOff);
    } catch (AEADBadTagException e) {
      return -1;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
    }
  }

  private void init(int mode, byte[] nonce12, byte[] aad)
      throws InvalidKeyException, InvalidAlgorithmParameterException {
    cipher.init(mode, key, new IvParameterSpec(nonce12));
    if (aad != null && aad.length > 0) {
      cipher.updateAAD(aad);
    }
  }

  /** Zeroes this instance's copy of the key; the instance must not be used afterwards. */
  public void destroy() {
    Arrays.fill(keyBytes, (byte) 0);
    key = new SecretKeySpec(new byte[KEY_LENGTH], "ChaCha20");
  }

  @Override
  public String toString() {
    return "ChaCha20Poly1305[key hidden]";
  }
}
