package io.weft.derp;

import io.netty.buffer.ByteBuf;
import io.weft.wg.key.NoisePublicKey;
import java.util.HexFormat;

/**
 * A node's 32-byte Curve25519 public key as DERP addresses it: four longs, so a lookup per packet
 * costs one small object and no array copy. Convertible to wg-core's {@link NoisePublicKey}.
 */
public final class NodeKey {
  public static final int LENGTH = 32;

  private final long a;
  private final long b;
  private final long c;
  private final long d;

  private NodeKey(long a, long b, long c, long d) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** The key at {@code src[off, off+32)}. */
  public static NodeKey of(byte[] src, int off) {
    return new NodeKey(
        be64(src, off), be64(src, off + 8), be64(src, off + 16), be64(src, off + 24));
  }

  public static NodeKey of(NoisePublicKey k) {
    return of(k.toBytes(), 0);
  }

  public static NodeKey fromHex(String hex) {
    byte[] b = HexFormat.of().parseHex(hex);
    if (b.length != LENGTH) {
      throw new IllegalArgumentException("node key: must be 64 hex characters");
    }
    return of(b, 0);
  }

  public void copyTo(byte[] dst, int off) {
    put(dst, off, a);
    put(dst, off + 8, b);
    put(dst, off + 16, c);
    put(dst, off + 24, d);
  }

  /** Writes the 32 bytes to {@code b} (no intermediate array). */
  public void writeTo(ByteBuf b) {
    b.writeLong(a).writeLong(this.b).writeLong(c).writeLong(d);
  }

  public byte[] toBytes() {
    byte[] out = new byte[LENGTH];
    copyTo(out, 0);
    return out;
  }

  public NoisePublicKey toNoisePublicKey() {
    return NoisePublicKey.of(toBytes());
  }

  public boolean isZero() {
    return (a | b | c | d) == 0;
  }

  /** Lower-case hex, as derper prints keys ({@code Derp-Public-Key}, {@code nodekey:} untyped). */
  public String toHex() {
    return HexFormat.of().formatHex(toBytes());
  }

  /** The first 8 hex characters with brackets, as Tailscale's ShortString. */
  public String shortString() {
    return "[" + toHex().substring(0, 8) + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeKey k && a == k.a && b == k.b && c == k.c && d == k.d;
  }

  @Override
  public int hashCode() {
    long h = a * 31 + b;
    h = h * 31 + c;
    h = h * 31 + d;
    return (int) (h ^ (h >>> 32));
  }

  @Override
  public String toString() {
    return toHex();
  }

  private static long be64(byte[] s, int o) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (s[o + i] & 0xffL);
    }
    return v;
  }

  private static void put(byte[] dst, int o, long v) {
    for (int i = 7; i >= 0; i--) {
      dst[o + i] = (byte) v;
      v >>>= 8;
    }
  }
}
