package io.weft.wg.key;

import io.weft.wg.crypto.ConstantTime;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.security.auth.Destroyable;

/** A 32-byte pre-shared symmetric key (WireGuard's optional {@code Q}). Never printed. */
public final class NoisePresharedKey implements Destroyable {
  private final byte[] bytes;
  private volatile boolean destroyed;

  private NoisePresharedKey(byte[] bytes) {
    this.bytes = bytes;
  }

  /** All zeros: WireGuard's value when no PSK is configured. */
  public static NoisePresharedKey zero() {
    return new NoisePresharedKey(new byte[Key32.LENGTH]);
  }

  /** A new random key, as {@code wg genpsk} makes one. */
  public static NoisePresharedKey generate(SecureRandom random) {
    byte[] b = new byte[Key32.LENGTH];
    random.nextBytes(b);
    return new NoisePresharedKey(b);
  }

  /** From 32 raw bytes (copied). */
  public static NoisePresharedKey of(byte[] raw) {
    return new NoisePresharedKey(Key32.copy("preshared key", raw));
  }

  /** From base64. */
  public static NoisePresharedKey fromBase64(String s) {
    return new NoisePresharedKey(Key32.fromBase64("preshared key", s));
  }

  /** From 64 hex characters (UAPI). */
  public static NoisePresharedKey fromHex(String s) {
    return new NoisePresharedKey(Key32.fromHex("preshared key", s));
  }

  /** The raw key array itself, for the handshake. Callers must not modify or leak it. */
  public byte[] rawForCrypto() {
    return bytes;
  }

  /** Base64, for {@code wg genpsk} output only. */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Hex for the UAPI {@code preshared_key=} line. */
  public String toHex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** Whether the key is all zero (no PSK). */
  public boolean isZero() {
    return ConstantTime.isZero(bytes, 0, bytes.length);
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
    return "NoisePresharedKey[hidden]";
  }
}
