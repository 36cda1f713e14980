package io.weft.wg.crypto;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * BLAKE2s (RFC 7693), unkeyed or keyed, with digests of 1 to 32 bytes.
 *
 * <p>An instance is reusable and allocates nothing after construction: {@link #init} (or {@link
 * #initKeyed}), any number of {@code update} calls, then {@link #doFinal}. Not thread-safe.
 */
public final class Blake2s {
  /** Block size in bytes. */
  public static final int BLOCK_BYTES = 64;

  /** Largest digest and key size in bytes. */
  public static final int MAX_BYTES = 32;

  private static final int[] IV = {
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19
  };

  private static final byte[][] SIGMA = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
  };

  private final int[] h = new int[8];
  private final int[] m = new int[16];
  private final byte[] buf = new byte[BLOCK_BYTES];
  private int bufLen;
  private long counter;
  private int outLen;

  /** A BLAKE2s-256 instance, ready for {@code update}. */
  public Blake2s() {
    init(MAX_BYTES);
  }

  /** Starts an unkeyed hash with a digest of {@code outLen} bytes (1..32). */
  public Blake2s init(int outLen) {
    return initKeyed(outLen, null, 0, 0);
  }

  /** Starts a keyed hash (a MAC) with a digest of {@code outLen} bytes and a key of 0..32 bytes. */
  public Blake2s initKeyed(int outLen, byte[] key, int keyOff, int keyLen) {
    if (outLen < 1 || outLen > MAX_BYTES) {
      throw new IllegalArgumentException("BLAKE2s digest length must be 1..32, got " + outLen);
    }
    if (keyLen < 0 || keyLen > MAX_BYTES) {
      throw new IllegalArgumentException("BLAKE2s key length must be 0..32, got " + keyLen);
    }
    System.arraycopy(IV, 0, h, 0, 8);
    h[0] ^= 0x01010000 ^ (keyLen << 8) ^ outLen;
    this.outLen = outLen;
    counter = 0;
    bufLen = 0;
    if (keyLen > 0) {
      Arrays.fill(buf, (byte) 0);
      System.arraycopy(key, keyOff, buf, 0, keyLen);
      bufLen = BLOCK_BYTES;
    }
    return this;
  }

  /** Absorbs {@code len} bytes of {@code in} from {@code off}. */
  public Blake2s update(byte[] in, int off, int len) {
    while (len > 0) {
      if (bufLen == BLOCK_BYTES) {
        counter += BLOCK_BYTES;
        compress(buf, 0, false);
        bufLen = 0;
      }
      // Whole blocks straight from the input, keeping the last one back for the final flag.
      while (bufLen == 0 && len > BLOCK_BYTES) {
        counter += BLOCK_BYTES;
        compress(in, off, false);
        off += BLOCK_BYTES;
        len -= BLOCK_BYTES;
      }
      int n = Math.min(len, BLOCK_BYTES - bufLen);
      System.arraycopy(in, off, buf, bufLen, n);
      bufLen += n;
      off += n;
      len -= n;
    }
    return this;
  }

  /** Absorbs all of {@code in}. */
  public Blake2s update(byte[] in) {
    return update(in, 0, in.length);
  }

  /** Absorbs the bytes of {@code in} between {@code off} and {@code off + len} (absolute). */
  public Blake2s update(ByteBuffer in, int off, int len) {
    if (in.hasArray()) {
      return update(in.array(), in.arrayOffset() + off, len);
    }
    while (len > 0) {
      if (bufLen == BLOCK_BYTES) {
        counter += BLOCK_BYTES;
        compress(buf, 0, false);
        bufLen = 0;
      }
      int n = Math.min(len, BLOCK_BYTES - bufLen);
      in.get(off, buf, bufLen, n);
      bufLen += n;
      off += n;
      len -= n;
    }
    return this;
  }

  /** Finishes the hash, writes the digest to {@code out} at {@code off} and returns its length. */
  public int doFinal(byte[] out, int off) {
    counter += bufLen;
    Arrays.fill(buf, bufLen, BLOCK_BYTES, (byte) 0);
    compress(buf, 0, true);
    for (int i = 0; i < outLen; i++) {
      out[off + i] = (byte) (h[i >>> 2] >>> (8 * (i & 3)));
    }
    Arrays.fill(buf, (byte) 0);
    return outLen;
  }

  /** Finishes the hash into a new array. */
  public byte[] doFinal() {
    byte[] out = new byte[outLen];
    doFinal(out, 0);
    return out;
  }

  /** BLAKE2s-256 of the concatenation of the inputs. */
  public static byte[] hash(byte[]... inputs) {
    Blake2s b = new Blake2s();
    for (byte[] in : inputs) {
      b.update(in, 0, in.length);
    }
    return b.doFinal();
  }

  /** Keyed BLAKE2s with a digest of {@code outLen} bytes: WireGuard's {@code MAC} when 16. */
  public static byte[] mac(int outLen, byte[] key, byte[] in) {
    return new Blake2s().initKeyed(outLen, key, 0, key.length).update(in).doFinal();
  }

  private void compress(byte[] block, int off, boolean last) {
    final int[] m = this.m;
    for (int i = 0; i < 16; i++) {
      int p = off + 4 * i;
      m[i] =
          (block[p] & 0xff)
              | (block[p + 1] & 0xff) << 8
              | (block[p + 2] & 0xff) << 16
              | (block[p + 3] & 0xff) << 24;
    }
    // The working vector lives in locals so the JIT keeps it in registers.
    int v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    int v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
    int v12 = IV[4] ^ (int) counter;
    int v13 = IV[5] ^ (int) (counter >>> 32);
    int v14 = last ? ~IV[6] : IV[6];
    int v15 = IV[7];
    for (int r = 0; r < 10; r++) {
      final byte[] s = SIGMA[r];
      v0 += v4 + m[s[0]];
      v12 = Integer.rotateRight(v12 ^ v0, 16);
      v8 += v12;
      v4 = Integer.rotateRight(v4 ^ v8, 12);
      v0 += v4 + m[s[1]];
      v12 = Integer.rotateRight(v12 ^ v0, 8);
      v8 += v12;
      v4 = Integer.rotateRight(v4 ^ v8, 7);
      v1 += v5 + m[s[2]];
      v13 = Integer.rotateRight(v13 ^ v1, 16);
      v9 += v13;
      v5 = Integer.rotateRight(v5 ^ v9, 12);
      v1 += v5 + m[s[3]];
      v13 = Integer.rotateRight(v13 ^ v1, 8);
      v9 += v13;
      v5 = Integer.rotateRight(v5 ^ v9, 7);
      v2 += v6 + m[s[4]];
      v14 = Integer.rotateRight(v14 ^ v2, 16);
      v10 += v14;
      v6 = Integer.rotateRight(v6 ^ v10, 12);
      v2 += v6 + m[s[5]];
      v14 = Integer.rotateRight(v14 ^ v2, 8);
      v10 += v14;
      v6 = Integer.rotateRight(v6 ^ v10, 7);
      v3 += v7 + m[s[6]];
      v15 = Integer.rotateRight(v15 ^ v3, 16);
      v11 += v15;
      v7 = Integer.rotateRight(v7 ^ v11, 12);
      v3 += v7 + m[s[7]];
      v15 = Integer.rotateRight(v15 ^ v3, 8);
      v11 += v15;
      v7 = Integer.rotateRight(v7 ^ v11, 7);
      v0 += v5 + m[s[8]];
      v15 = Integer.rotateRight(v15 ^ v0, 16);
      v10 += v15;
      v5 = Integer.rotateRight(v5 ^ v10, 12);
      v0 += v5 + m[s[9]];
      v15 = Integer.rotateRight(v15 ^ v0, 8);
      v10 += v15;
      v5 = Integer.rotateRight(v5 ^ v10, 7);
      v1 += v6 + m[s[10]];
      v12 = Integer.rotateRight(v12 ^ v1, 16);
      v11 += v12;
      v6 = Integer.rotateRight(v6 ^ v11, 12);
      v1 += v6 + m[s[11]];
      v12 = Integer.rotateRight(v12 ^ v1, 8);
      v11 += v12;
      v6 = Integer.rotateRight(v6 ^ v11, 7);
      v2 += v7 + m[s[12]];
      v13 = Integer.rotateRight(v13 ^ v2, 16);
      v8 += v13;
      v7 = Integer.rotateRight(v7 ^ v8, 12);
      v2 += v7 + m[s[13]];
      v13 = Integer.rotateRight(v13 ^ v2, 8);
      v8 += v13;
      v7 = Integer.rotateRight(v7 ^ v8, 7);
      v3 += v4 + m[s[14]];
      v14 = Integer.rotateRight(v14 ^ v3, 16);
      v9 += v14;
      v4 = Integer.rotateRight(v4 ^ v9, 12);
      v3 += v4 + m[s[15]];
      v14 = Integer.rotateRight(v14 ^ v3, 8);
      v9 += v14;
      v4 = Integer.rotateRight(v4 ^ v9, 7);
    }
    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
  }
}
