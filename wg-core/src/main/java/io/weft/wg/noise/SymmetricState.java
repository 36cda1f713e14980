package io.weft.wg.noise;

import io.weft.wg.crypto.Blake2s;
import io.weft.wg.crypto.Kdf;
import java.nio.charset.StandardCharsets;

/**
 * The primitives of a Noise SymmetricState over BLAKE2s (Noise rev. 34 §5.2): the chaining key
 * {@code ck} and handshake hash {@code h} are caller-owned 32-byte arrays updated in place, so
 * WireGuard's {@code Noise_IKpsk2} ({@link Noise}) and the control channel's {@code Noise_IK}
 * ({@code io.weft.control.noise.NoiseIk}) run the same code. HKDF is {@link Kdf}. Allocation-free
 * apart from {@link #initialHash}.
 */
public final class SymmetricState {
  private SymmetricState() {}

  /**
   * InitializeSymmetric's {@code h} for {@code protocolName}: the name padded with zeros when it
   * fits in 32 bytes, else {@code HASH(name)}; the initial {@code ck} is a copy of it.
   */
  public static byte[] initialHash(String protocolName) {
    final byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
    if (name.length <= 32) {
      final byte[] h = new byte[32];
      System.arraycopy(name, 0, h, 0, name.length);
      return h;
    }
    return Blake2s.hash(name);
  }

  /** MixHash: {@code h = HASH(h || data[off, off + len))}. */
  public static void mixHash(byte[] h, byte[] data, int off, int len) {
    new Blake2s().update(h, 0, 32).update(data, off, len).doFinal(h, 0);
  }

  /**
   * MixKey: {@code ck, k = HKDF(ck, ikm[off, off + len))}, the new cipher key into {@code key};
   * with a null {@code key} only the chaining key moves (WireGuard's {@code ck = KDF1(ck, e)}).
   */
  public static void mixKey(Kdf kdf, byte[] ck, byte[] ikm, int off, int len, byte[] key) {
    kdf.derive(ck, ikm, off, len, ck, key, null);
  }

  /** Split: {@code k1, k2 = HKDF(ck, "")}, the initiator's sending key first. */
  public static void split(Kdf kdf, byte[] ck, byte[] k1, byte[] k2) {
    kdf.derive(ck, EMPTY, 0, 0, k1, k2, null);
  }

  private static final byte[] EMPTY = new byte[0];
}
