package io.weft.netstack.tcp;

/**
 * Modulo-2^32 sequence number comparisons (RFC 9293 section 3.4): {@code a} is "less than" {@code
 * b} when {@code b - a}, as a signed 32-bit value, is positive.
 */
public final class SeqNum {
  private SeqNum() {}

  public static boolean lt(int a, int b) {
    return a - b < 0;
  }

  public static boolean le(int a, int b) {
    return a - b <= 0;
  }

  public static boolean gt(int a, int b) {
    return a - b > 0;
  }

  public static boolean ge(int a, int b) {
    return a - b >= 0;
  }

  public static int max(int a, int b) {
    return gt(a, b) ? a : b;
  }

  /** {@code start <= x < end} in sequence space. */
  public static boolean inWindow(int x, int start, int length) {
    return x - start >= 0 && x - start < length;
  }
}
