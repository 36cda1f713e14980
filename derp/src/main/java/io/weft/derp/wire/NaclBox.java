package io.weft.derp.wire;

import io.weft.wg.crypto.X25519;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * NaCl {@code crypto_box} (Curve25519, HSalsa20, XSalsa20, Poly1305), as Go's {@code
 * golang.org/x/crypto/nacl/box} seals it: a 16-byte Poly1305 tag, then the XSalsa20 ciphertext.
 * DERP's ClientInfo and ServerInfo carry {@code nonce(24) || box} ({@code types/key/node.go}
 * SealTo/OpenFrom).
 *
 * <p>BouncyCastle gives XSalsa20 and Poly1305; HSalsa20 (to turn the X25519 secret into the box
 * key, NaCl's {@code crypto_box_beforenm}) is written here from "Cryptography in NaCl" §8.
 */
public final class NaclBox {
  /** Nonce length in bytes. */
  public static final int NONCE_LENGTH = 24;

  /** Poly1305 tag length in bytes ({@code crypto_box_MACBYTES}). */
  public static final int OVERHEAD = 16;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int[] SIGMA = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

  private NaclBox() {}

  /**
   * The precomputed box key for {@code privateKey} and {@code publicKey} ({@code
   * crypto_box_beforenm}), or null when the X25519 result is all zero (a low-order point).
   */
  public static byte[] beforeNm(byte[] privateKey, byte[] publicKey) {
    byte[] shared = new byte[32];
    if (!X25519.sharedSecret(privateKey, 0, publicKey, 0, shared, 0)) {
      return null;
    }
    byte[] k = hsalsa20(shared, new byte[16]);
    Arrays.fill(shared, (byte) 0);
    return k;
  }

  /** Seals {@code msg} with box key {@code k} and {@code nonce}: tag(16) || ciphertext. */
  public static byte[] seal(byte[] k, byte[] nonce, byte[] msg) {
    byte[] out = new byte[OVERHEAD + msg.length];
    XSalsa20Engine s = stream(k, nonce);
    byte[] polyKey = new byte[32];
    s.processBytes(polyKey, 0, 32, polyKey, 0);
    s.processBytes(msg, 0, msg.length, out, OVERHEAD);
    mac(polyKey, out, OVERHEAD, msg.length, out, 0);
    Arrays.fill(polyKey, (byte) 0);
    return out;
  }

  /** Opens tag(16) || ciphertext at {@code box[off, off+len)}; null when it does not verify. */
  public static byte[] open(byte[] k, byte[] nonce, byte[] box, int off, int len) {
    if (len < OVERHEAD) {
      return null;
    }
    XSalsa20Engine s = stream(k, nonce);
    byte[] polyKey = new byte[32];
    s.processBytes(polyKey, 0, 32, polyKey, 0);
    byte[] tag = new byte[OVERHEAD];
    mac(polyKey, box, off + OVERHEAD, len - OVERHEAD, tag, 0);
    Arrays.fill(polyKey, (byte) 0);
    if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(box, off, off + OVERHEAD))) {
      return null;
    }
    byte[] msg = new byte[len - OVERHEAD];
    s.processBytes(box, off + OVERHEAD, msg.length, msg, 0);
    return msg;
  }

  /**
   * {@code nonce(24) || box(msg)} from {@code privateKey} to {@code publicKey} with a random nonce,
   * as Tailscale's SealTo; null when the peer key is a low-order point.
   */
  public static byte[] sealTo(byte[] privateKey, byte[] publicKey, byte[] msg) {
    byte[] k = beforeNm(privateKey, publicKey);
    if (k == null) {
      return null;
    }
    byte[] nonce = new byte[NONCE_LENGTH];
    RANDOM.nextBytes(nonce);
    byte[] box = seal(k, nonce, msg);
    Arrays.fill(k, (byte) 0);
    byte[] out = new byte[NONCE_LENGTH + box.length];
    System.arraycopy(nonce, 0, out, 0, NONCE_LENGTH);
    System.arraycopy(box, 0, out, NONCE_LENGTH, box.length);
    return out;
  }

  /** Opens {@code nonce(24) || box} at {@code in[off, off+len)} (Tailscale's OpenFrom), or null. */
  public static byte[] openFrom(byte[] privateKey, byte[] publicKey, byte[] in, int off, int len) {
    if (len < NONCE_LENGTH + OVERHEAD) {
      return null;
    }
    byte[] k = beforeNm(privateKey, publicKey);
    if (k == null) {
      return null;
    }
    byte[] nonce = Arrays.copyOfRange(in, off, off + NONCE_LENGTH);
    byte[] msg = open(k, nonce, in, off + NONCE_LENGTH, len - NONCE_LENGTH);
    Arrays.fill(k, (byte) 0);
    return msg;
  }

  private static XSalsa20Engine stream(byte[] k, byte[] nonce) {
    XSalsa20Engine s = new XSalsa20Engine();
    s.init(true, new ParametersWithIV(new KeyParameter(k), nonce));
    return s;
  }

  private static void mac(byte[] key, byte[] in, int off, int len, byte[] out, int outOff) {
    Poly1305 p = new Poly1305();
    p.init(new KeyParameter(key));
    p.update(in, off, len);
    p.doFinal(out, outOff);
  }

  /** HSalsa20 ("Cryptography in NaCl" §8): 32-byte key and 16-byte input to a 32-byte output. */
  static byte[] hsalsa20(byte[] key, byte[] in16) {
    int[] x = new int[16];
    x[0] = SIGMA[0];
    x[5] = SIGMA[1];
    x[10] = SIGMA[2];
    x[15] = SIGMA[3];
    for (int i = 0; i < 4; i++) {
      x[1 + i] = le32(key, 4 * i);
      x[11 + i] = le32(key, 16 + 4 * i);
      x[6 + i] = le32(in16, 4 * i);
    }
    for (int i = 0; i < 10; i++) {
      x[4] ^= Integer.rotateLeft(x[0] + x[12], 7);
      x[8] ^= Integer.rotateLeft(x[4] + x[0], 9);
      x[12] ^= Integer.rotateLeft(x[8] + x[4], 13);
      x[0] ^= Integer.rotateLeft(x[12] + x[8], 18);
      x[9] ^= Integer.rotateLeft(x[5] + x[1], 7);
      x[13] ^= Integer.rotateLeft(x[9] + x[5], 9);
      x[1] ^= Integer.rotateLeft(x[13] + x[9], 13);
      x[5] ^= Integer.rotateLeft(x[1] + x[13], 18);
      x[14] ^= Integer.rotateLeft(x[10] + x[6], 7);
      x[2] ^= Integer.rotateLeft(x[14] + x[10], 9);
      x[6] ^= Integer.rotateLeft(x[2] + x[14], 13);
      x[10] ^= Integer.rotateLeft(x[6] + x[2], 18);
      x[3] ^= Integer.rotateLeft(x[15] + x[11], 7);
      x[7] ^= Integer.rotateLeft(x[3] + x[15], 9);
      x[11] ^= Integer.rotateLeft(x[7] + x[3], 13);
      x[15] ^= Integer.rotateLeft(x[11] + x[7], 18);
      x[1] ^= Integer.rotateLeft(x[0] + x[3], 7);
      x[2] ^= Integer.rotateLeft(x[1] + x[0], 9);
      x[3] ^= Integer.rotateLeft(x[2] + x[1], 13);
      x[0] ^= Integer.rotateLeft(x[3] + x[2], 18);
      x[6] ^= Integer.rotateLeft(x[5] + x[4], 7);
      x[7] ^= Integer.rotateLeft(x[6] + x[5], 9);
      x[4] ^= Integer.rotateLeft(x[7] + x[6], 13);
      x[5] ^= Integer.rotateLeft(x[4] + x[7], 18);
      x[11] ^= Integer.rotateLeft(x[10] + x[9], 7);
      x[8] ^= Integer.rotateLeft(x[11] + x[10], 9);
      x[9] ^= Integer.rotateLeft(x[8] + x[11], 13);
      x[10] ^= Integer.rotateLeft(x[9] + x[8], 18);
      x[12] ^= Integer.rotateLeft(x[15] + x[14], 7);
      x[13] ^= Integer.rotateLeft(x[12] + x[15], 9);
      x[14] ^= Integer.rotateLeft(x[13] + x[12], 13);
      x[15] ^= Integer.rotateLeft(x[14] + x[13], 18);
    }
    byte[] out = new byte[32];
    int[] pick = {0, 5, 10, 15, 6, 7, 8, 9};
    for (int i = 0; i < 8; i++) {
      int v = x[pick[i]];
      out[4 * i] = (byte) v;
      out[4 * i + 1] = (byte) (v >>> 8);
      out[4 * i + 2] = (byte) (v >>> 16);
      out[4 * i + 3] = (byte) (v >>> 24);
    }
    Arrays.fill(x, 0);
    return out;
  }

  private static int le32(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | (b[off + 3] & 0xff) << 24;
  }
}
