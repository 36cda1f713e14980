package io.weft.netstack.tcp.cc;

/**
 * CUBIC (RFC 9438): after a loss the window follows W(t) = C (t - K)^3 + W_max (section 4.2),
 * concave up to the previous maximum and convex beyond it, never below the Reno-friendly estimate
 * W_est (section 4.3). Multiplicative decrease by beta = 0.7 (section 4.6) with fast convergence
 * (section 4.7); a timeout falls to one segment (section 4.8). Slow start and the fast recovery
 * window arithmetic are NewReno's (RFC 5681, RFC 6582), as section 4.9 allows.
 */
public final class Cubic implements CongestionControl {
  /** RFC 9438 section 5: C = 0.4, beta_cubic = 0.7. */
  private static final double C = 0.4;

  private static final double BETA = 0.7;

  /** Section 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta). */
  private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

  private int mss;
  private int cwnd;
  private int ssthresh = Integer.MAX_VALUE;

  /** Window before the last reduction, in segments. */
  private double wMax;

  /** Reno-friendly window estimate, in segments. */
  private double wEst;

  private double k;
  private long epochStart = -1;
  private double cwndCount;

  public Cubic(int mss) {
    setMss(mss);
    this.cwnd = NewReno.INITIAL_WINDOW_SEGMENTS * this.mss;
  }

  @Override
  public int window() {
    return cwnd;
  }

  @Override
  public int ssthresh() {
    return ssthresh;
  }

  /** W_max in segments (for tests). */
  public double wMax() {
    return wMax;
  }

  @Override
  public void setMss(int mss) {
    this.mss = Math.max(mss, 1);
    this.cwnd = Math.max(cwnd, NewReno.INITIAL_WINDOW_SEGMENTS * this.mss);
  }

  @Override
  public void onAck(long nowNanos, int ackedBytes, int bytesInFlight, long srttNanos) {
    if (cwnd < ssthresh) {
      cwnd = cap((long) cwnd + Math.min(ackedBytes, 2 * mss));
      return;
    }
    final double segments = (double) cwnd / mss;
    if (epochStart < 0) {
      epochStart = nowNanos;
      k = wMax > segments ? Math.cbrt((wMax - segments) / C) : 0;
      if (wMax < segments) {
        wMax = segments;
      }
      wEst = segments;
    }
    final double acked = (double) ackedBytes / mss;
    wEst += ALPHA * acked / segments;
    final double t = (nowNanos - epochStart + srttNanos) / 1e9;
    final double wCubic = C * Math.pow(t - k, 3) + wMax;
    double target;
    if (wCubic < wEst) {
      target = wEst;
    } else {
      target = Math.min(Math.max(wCubic, segments), 1.5 * segments);
    }
    // Grow by (target - cwnd) / cwnd segments per acknowledged segment (section 4.4).
    cwndCount += (target - segments) / segments * acked;
    if (cwndCount >= 1) {
      final int whole = (int) cwndCount;
      cwndCount -= whole;
      cwnd = cap((long) cwnd + (long) whole * mss);
    }
  }

  @Override
  public void onEnterRecovery(long nowNanos, int bytesInFlight) {
    reduce();
    cwnd = ssthresh + 3 * mss;
  }

  @Override
  public void onDuplicateAckInRecovery() {
    cwnd = cap((long) cwnd + mss);
  }

  @Override
  public void onPartialAck(int ackedBytes) {
    cwnd = Math.max(cwnd - ackedBytes, mss);
    if (ackedBytes >= mss) {
      cwnd = cap((long) cwnd + mss);
    }
  }

  @Override
  public void onExitRecovery(int bytesInFlight) {
    cwnd = Math.max(ssthresh, mss);
  }

  @Override
  public void onRetransmitTimeout(long nowNanos, int bytesInFlight) {
    reduce();
    cwnd = mss;
  }

  private void reduce() {
    final double segments = (double) cwnd / mss;
    // Fast convergence (section 4.7): release bandwidth when the window stopped short of W_max.
    wMax = segments < wMax ? segments * (1 + BETA) / 2 : segments;
    ssthresh = Math.max((int) (cwnd * BETA), 2 * mss);
    epochStart = -1;
    cwndCount = 0;
  }

  private static int cap(long v) {
    return (int) Math.min(v, Integer.MAX_VALUE / 2);
  }
}
