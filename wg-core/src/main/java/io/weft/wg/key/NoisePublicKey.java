package io.weft.wg.key;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** A Curve25519 public key (a peer's static identity in WireGuard). Immutable value type. */
public final class NoisePublicKey {
  private final byte[] bytes;
  private final int hash;

  private NoisePublicKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** From 32 raw bytes (copied). */
  public static NoisePublicKey of(byte[] raw) {
    return new NoisePublicKey(Key32.copy("public key", raw));
  }

  /** From base64 as {@code wg pubkey} prints it. */
  public static NoisePublicKey fromBase64(String s) {
    return new NoisePublicKey(Key32.fromBase64("public key", s));
  }

  /** From 64 hex characters as the UAPI carries it. */
  public static NoisePublicKey fromHex(String s) {
    return new NoisePublicKey(Key32.fromHex("public key", s));
  }

  /** A copy of the raw bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Copies the raw bytes into {@code dst} at {@code off}. */
  public void copyTo(byte[] dst, int off) {
    System.arraycopy(bytes, 0, dst, off, Key32.LENGTH);
  }

  /** Whether {@code other[off, off+32)} holds this key. */
  public boolean equalsBytes(byte[] other, int off) {
    return Arrays.equals(bytes, 0, Key32.LENGTH, other, off, off + Key32.LENGTH);
  }

  /** Base64, as wg(8) prints it. */
  public String toBase64() {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Lower-case hex, as the UAPI carries it. */
  public String toHex() {
    return HexFormat.of().formatHex(bytes);
  }

  /** Whether all bytes are zero (an unset key). */
  public boolean isZero() {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NoisePublicKey k && Arrays.equals(bytes, k.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** Public keys are not secret: the short base64 form, as tools show them. */
  @Override
  public String toString() {
    return toBase64();
  }
}
