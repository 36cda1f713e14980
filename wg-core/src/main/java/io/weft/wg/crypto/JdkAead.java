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
 * The JDK's {@code ChaCha20-Poly1305} cipher (HotSpot intrinsics for ChaCha20 and Poly1305). The
 * {@code Cipher} is reused; the JDK allocates about 2.2 KB per {@code init}. It verifies the tag
 * before writing plaintext.
 */
final class JdkAead extends AeadEngine {
  private final Cipher cipher;
  private final byte[] keyBytes = new byte[ChaCha20Poly1305.KEY_LENGTH];
  private SecretKeySpec key;

  JdkAead(byte[] key, int off) {
    try {
      cipher = Cipher.getInstance("ChaCha20-Poly1305");
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw new IllegalStateException("this JDK lacks ChaCha20-Poly1305", e);
    }
    rekey(key, off);
  }

  @Override
  void rekey(byte[] key, int off) {
    System.arraycopy(key, off, keyBytes, 0, ChaCha20Poly1305.KEY_LENGTH);
    this.key = new SecretKeySpec(keyBytes, "ChaCha20");
  }

  @Override
  int seal(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    try {
      init(Cipher.ENCRYPT_MODE, nonce, aad);
      return cipher.doFinal(buf, off, len, buf, off);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
    }
  }

  @Override
  int open(byte[] nonce, byte[] aad, byte[] buf, int off, int len) {
    return openInto(nonce, aad, buf, off, len, buf, off);
  }

  @Override
  int seal(byte[] nonce, byte[] aad, ByteBuffer buf, int off, int len) {
    try {
      init(Cipher.ENCRYPT_MODE, nonce, aad);
      return cipher.doFinal(
          buf.duplicate().limit(off + len).position(off), buf.duplicate().position(off));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 seal failed", e);
    }
  }

  @Override
  int open(byte[] nonce, byte[] aad, ByteBuffer buf, int off, int len) {
    try {
      init(Cipher.DECRYPT_MODE, nonce, aad);
      return cipher.doFinal(
          buf.duplicate().limit(off + len).position(off), buf.duplicate().position(off));
    } catch (AEADBadTagException e) {
      return -1;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 open failed", e);
    }
  }

  @Override
  int openInto(byte[] nonce, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff) {
    try {
      init(Cipher.DECRYPT_MODE, nonce, aad);
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

  @Override
  void destroy() {
    Arrays.fill(keyBytes, (byte) 0);
    key = null;
  }
}
