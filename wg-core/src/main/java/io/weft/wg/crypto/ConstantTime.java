package io.weft.wg.crypto;

/** Comparisons whose running time does not depend on where the inputs differ. */
public final class ConstantTime {
  private ConstantTime() {}

  /** Whether {@code a[aOff, aOff+len)} equals {@code b[bOff, bOff+len)}, in constant time. */
  public static boolean equals(byte[] a, int aOff, byte[] b, int bOff, int len) {
    int acc = 0;
    for (int i = 0; i < len; i++) {
      acc |= a[aOff + i] ^ b[bOff + i];
    }
    return acc == 0;
  }

  /** Whether all {@code len} bytes from {@code off} are zero, in constant time. */
  public static boolean isZero(byte[] a, int off, int len) {
    int acc = 0;
    for (int i = 0; i < len; i++) {
      acc |= a[off + i];
    }
    return acc == 0;
  }
}
