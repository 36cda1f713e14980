package io.weft.netstack.tcp.cc;

/** NewReno window arithmetic (RFC 5681 section 3, RFC 6582 section 3.2). */
public final class NewReno implements CongestionControl {
  /** RFC 6928: IW = min(10 * MSS, max(2 * MSS, 14600)); 10 segments for usual MSS values. */
  public static final int INITIAL_WINDOW_SEGMENTS = 10;

  private int mss;
  private int cwnd;
  private int ssthresh = Integer.MAX_VALUE;
  private int bytesAckedInAvoidance;

  public NewReno(int mss) {
    setMss(mss);
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  @Override
  public int window() {
    return cwnd;
  }

  @Override
  public int ssthresh() {
    return ssthresh;
  }

  @Override
  public void setMss(int mss) {
    this.mss = Math.max(mss, 1);
    this.cwnd = Math.max(cwnd, INITIAL_WINDOW_SEGMENTS * this.mss);
  }

  @Override
  public void onAck(long nowNanos, int ackedBytes, int bytesInFlight, long srttNanos) {
    if (cwnd < ssthresh) {
      // Slow start with appropriate byte counting, L = 2 (RFC 3465 section 2.2).
      cwnd = saturatingAdd(cwnd, Math.min(ackedBytes, 2 * mss));
    } else {
      // Congestion avoidance: one MSS per window of acknowledged bytes (RFC 5681 eq. 3 variant).
      bytesAckedInAvoidance += ackedBytes;
      if (bytesAckedInAvoidance >= cwnd) {
        bytesAckedInAvoidance -= cwnd;
        cwnd = saturatingAdd(cwnd, mss);
      }
    }
  }

  @Override
  public void onEnterRecovery(long nowNanos, int bytesInFlight) {
    ssthresh = Math.max(bytesInFlight / 2, 2 * mss);
    cwnd = ssthresh + 3 * mss;
    bytesAckedInAvoidance = 0;
  }

  @Override
  public void onDuplicateAckInRecovery() {
    cwnd = saturatingAdd(cwnd, mss);
  }

  @Override
  public void onPartialAck(int ackedBytes) {
    cwnd = Math.max(cwnd - ackedBytes, mss);
    if (ackedBytes >= mss) {
      cwnd = saturatingAdd(cwnd, mss);
    }
  }

  @Override
  public void onExitRecovery(int bytesInFlight) {
    cwnd = Math.max(Math.min(ssthresh, bytesInFlight + mss), mss);
  }

  @Override
  public void onRetransmitTimeout(long nowNanos, int bytesInFlight) {
    ssthresh = Math.max(bytesInFlight / 2, 2 * mss);
    cwnd = mss;
    bytesAckedInAvoidance = 0;
  }

  private static int saturatingAdd(int a, int b) {
    long s = (long) a + b;
    return s > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE / 2 : (int) s;
  }
}
