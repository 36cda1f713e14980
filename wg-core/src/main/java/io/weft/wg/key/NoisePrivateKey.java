package io.weft.wg.key;

import io.weft.wg.crypto.ConstantTime;
import io.weft.wg.crypto.X25519;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.security.auth.Destroyable;

/**
 * A Curve25519 private key, always clamped. {@link #toString()} never shows the key; {@link
 * #destroy()} zeroes it.
 */
public final class NoisePrivateKey implements Destroyable {
  private final byte[] bytes;
  private volatile boolean destroyed;

  private NoisePrivateKey(byte[] bytes) {
    X25519.clamp(bytes, 0);
    this.bytes = bytes;
  }

  /** A new random key, as {@code wg genkey} makes one. */
  public static NoisePrivateKey generate(SecureRandom random) {
    return new NoisePrivateKey(X25519.generatePrivateKey(random));
  }

  /** From 32 raw bytes (copied, then clamped). */
  public static NoisePrivateKey of(byte[] raw) {
    return new NoisePrivateKey(Key32.copy("private key", raw));
  }

  /** From base64 as {@code wg genkey} prints it. */
  public static NoisePrivateKey fromBase64(String s) {
    return new NoisePrivateKey(Key32.fromBase64("private key", s));
  }

  /** From 64 hex characters as the UAPI carries it. */
  public static NoisePrivateKey fromHex(String s) {
    return new NoisePrivateKey(Key32.fromHex("private key", s));
  }

  /** The matching public key. */
  public NoisePublicKey publicKey() {
    return NoisePublicKey.of(X25519.publicKey(bytes));
  }

  /** Copies the raw key into {@code dst} at {@code off} (for the handshake's DH). */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, Key32.LENGTH);
  }

  /** The raw key array itself, for DH without copying. Callers must not modify or leak it. */
  public byte[] rawForCrypto() {
    return bytes;
  }

  /** Base64 for writing the node's own key file (never for logs). */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Hex for the UAPI {@code private_key=} line (only to an authorised local client). */
  public String toHex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** Whether the key is all zero (unset). */
  public boolean isZero() {
    return ConstantTime.isZero(bytes, 0, bytes.length);
  }

  /** Constant-time equality with another private key. */
  public boolean sameKey(NoisePrivateKey other) {
    return java.security.MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public void destroy() {
    Arrays.fill(bytes, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return "NoisePrivateKey[hidden]";
  }
}
