package io.weft.netstack.tcp;

/**
 * The retransmission timer of RFC 6298: SRTT and RTTVAR from RTT samples (section 2), exponential
 * backoff on expiry (section 5.5), bounded by a minimum and maximum. Callers apply Karn's algorithm
 * (section 3) by offering only samples from segments that were not retransmitted, or from the
 * timestamps option (RFC 7323 section 4), which is unambiguous.
 */
public final class RttEstimator {
  /** RFC 6298 section 2: alpha = 1/8, beta = 1/4, K = 4. */
  private static final int K = 4;

  /** Clock granularity G in nanoseconds (1 ms). */
  private static final long GRANULARITY_NANOS = 1_000_000L;

  private final long initialRto;
  private final long minRto;
  private final long maxRto;
  private long srtt;
  private long rttvar;
  private long rto;
  private int backoffs;
  private boolean sampled;

  public RttEstimator(long initialRtoNanos, long minRtoNanos, long maxRtoNanos) {
    this.initialRto = initialRtoNanos;
    this.minRto = minRtoNanos;
    this.maxRto = maxRtoNanos;
    this.rto = initialRtoNanos;
  }

  /** Feeds one RTT measurement (section 2.2 for the first, 2.3 afterwards). */
  public void sample(long rttNanos) {
    final long r = Math.max(rttNanos, 0);
    if (!sampled) {
      srtt = r;
      rttvar = r / 2;
      sampled = true;
    } else {
      rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
      srtt = (7 * srtt + r) / 8;
    }
    backoffs = 0;
    rto = clamp(srtt + Math.max(GRANULARITY_NANOS, K * rttvar));
  }

  /** Doubles the timeout after an expiry (section 5.5). */
  public void backoff() {
    backoffs++;
    rto = clamp(rto * 2);
  }

  /** The current RTO in nanoseconds. */
  public long rto() {
    return rto;
  }

  public long srtt() {
    return sampled ? srtt : initialRto;
  }

  public boolean hasSample() {
    return sampled;
  }

  /** Expiries since the last fresh sample. */
  public int backoffs() {
    return backoffs;
  }

  private long clamp(long v) {
    return Math.min(maxRto, Math.max(minRto, v));
  }
}
