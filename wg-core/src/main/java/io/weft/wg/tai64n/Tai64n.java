package io.weft.wg.tai64n;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Writes and compares 12-byte TAI64N timestamps in caller-owned buffers; allocates nothing.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        label: 2^62 + 10 + Unix seconds (big-endian, 64 bits)  |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  nanoseconds, low 24 bits zero (big-endian, 32 bits)          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Tai64n {

  /** Length of a timestamp in bytes. */
  public static final int LENGTH = 12;

  /** The label of the Unix epoch: 2^62 + 10. */
  public static final long EPOCH_LABEL = (1L << 62) + 10;

  /** Nanoseconds are rounded down to a multiple of this: 2^24 ns, about 16.8 ms. */
  public static final int WHITENING_NANOS = 1 << 24;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final int SECONDS_OFFSET = 0;
  private static final int NANOS_OFFSET = 8;

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private Tai64n() {}

  /**
   * Writes the whitened timestamp of {@code epochNanos} (wall-clock nanoseconds since the Unix
   * epoch, as {@link io.weft.wg.time.NanoClock#epochNanos()} gives) at {@code dst[off, off+12)}.
   *
   * @throws IndexOutOfBoundsException if the 12 bytes do not fit
   */
  public static void write(final long epochNanos, final byte[] dst, final int off) {
    final long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
    final int nanos = (int) Math.floorMod(epochNanos, NANOS_PER_SECOND);
    LONG_BE.set(dst, off + SECONDS_OFFSET, EPOCH_LABEL + seconds);
    INT_BE.set(dst, off + NANOS_OFFSET, nanos & -WHITENING_NANOS);
  }

  /**
   * Whether the timestamp at {@code a[aOff, aOff+12)} is strictly newer than the one at {@code
   * b[bOff, bOff+12)}: an unsigned comparison of the bytes, as the responder applies to the
   * timestamp of each initiation.
   *
   * @throws IndexOutOfBoundsException if either range does not fit
   */
  public static boolean isAfter(final byte[] a, final int aOff, final byte[] b, final int bOff) {
    return Arrays.compareUnsigned(a, aOff, aOff + LENGTH, b, bOff, bOff + LENGTH) > 0;
  }
}
