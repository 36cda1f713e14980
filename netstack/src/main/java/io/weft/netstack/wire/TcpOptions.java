package io.weft.netstack.wire;

/**
 * The TCP options this stack understands, parsed from or written to a header. Mutable and reused
 * per packet so option handling allocates nothing.
 *
 * <ul>
 *   <li>MSS, kind 2, length 4 (RFC 9293 section 3.7.1); only in SYN segments.
 *   <li>Window scale, kind 3, length 3 (RFC 7323 section 2.2); shift counts above 14 are clamped to
 *       14 (section 2.3).
 *   <li>SACK-permitted, kind 4, length 2 (RFC 2018 section 2).
 *   <li>SACK, kind 5, length 2 + 8n (RFC 2018 section 3); at most four blocks fit.
 *   <li>Timestamps, kind 8, length 10 (RFC 7323 section 3.2).
 * </ul>
 */
public final class TcpOptions {
  public static final int KIND_END = 0;
  public static final int KIND_NOP = 1;
  public static final int KIND_MSS = 2;
  public static final int KIND_WINDOW_SCALE = 3;
  public static final int KIND_SACK_PERMITTED = 4;
  public static final int KIND_SACK = 5;
  public static final int KIND_TIMESTAMPS = 8;
  public static final int MAX_WINDOW_SCALE = 14;
  public static final int MAX_SACK_BLOCKS = 4;

  /** Maximum segment size, or 0 when absent. */
  public int mss;

  /** Window scale shift, or -1 when absent. */
  public int windowScale = -1;

  public boolean sackPermitted;
  public boolean timestamps;
  public int tsVal;
  public int tsEcr;

  /** Number of valid entries in {@link #sackLeft}/{@link #sackRight}. */
  public int sackBlocks;

  public final int[] sackLeft = new int[MAX_SACK_BLOCKS];
  public final int[] sackRight = new int[MAX_SACK_BLOCKS];

  /** Resets to "no options". */
  public TcpOptions clear() {
    mss = 0;
    windowScale = -1;
    sackPermitted = false;
    timestamps = false;
    tsVal = 0;
    tsEcr = 0;
    sackBlocks = 0;
    return this;
  }

  /** Appends a SACK block if room remains; returns false when full. */
  public boolean addSackBlock(int left, int right) {
    if (sackBlocks == MAX_SACK_BLOCKS) {
      return false;
    }
    sackLeft[sackBlocks] = left;
    sackRight[sackBlocks] = right;
    sackBlocks++;
    return true;
  }

  /** Bytes these options take in a header, padded to a multiple of 4, in this stack's layout. */
  public int encodedLength() {
    int n = 0;
    if (mss != 0) {
      n += 4;
    }
    if (timestamps || sackPermitted) {
      n += (timestamps ? 12 : 4);
    }
    if (windowScale >= 0) {
      n += 4;
    }
    if (sackBlocks > 0) {
      n += 4 + 8 * sackBlocks;
    }
    return n;
  }
}
