package io.weft.netstack.tcp;

import io.weft.netstack.tcp.cc.CongestionControl;
import io.weft.netstack.tcp.cc.NewReno;
import java.util.function.IntFunction;

/**
 * Per-connection TCP settings.
 *
 * @param receiveBufferSize receive buffer bytes (the largest window advertised)
 * @param sendBufferSize send buffer bytes
 * @param noDelay true disables Nagle's algorithm (RFC 9293 section 3.7.4)
 * @param delayedAckNanos longest delay of an ACK (RFC 9293 section 3.8.6.3: under 0.5 s)
 * @param initialRtoNanos RTO before the first sample (RFC 6298 section 2.1: 1 s)
 * @param minRtoNanos lower bound of the RTO; RFC 6298 section 2.4 says 1 s, Linux uses 200 ms
 * @param maxRtoNanos upper bound of the RTO (RFC 6298 section 2.5 allows at least 60 s)
 * @param timeWaitNanos time spent in TIME_WAIT, 2 * MSL (RFC 9293 section 3.4.2)
 * @param maxRetransmissions expiries of one segment before the connection is aborted (R2)
 * @param maxSynRetransmissions expiries of a SYN before the open fails
 * @param windowScaling offer the window scale option (RFC 7323 section 2)
 * @param timestamps offer the timestamps option (RFC 7323 section 3)
 * @param sack offer SACK-permitted and send SACK blocks (RFC 2018)
 * @param congestionControl creates the algorithm from the sender MSS
 */
public record TcpConfig(
    int receiveBufferSize,
    int sendBufferSize,
    boolean noDelay,
    long delayedAckNanos,
    long initialRtoNanos,
    long minRtoNanos,
    long maxRtoNanos,
    long timeWaitNanos,
    int maxRetransmissions,
    int maxSynRetransmissions,
    boolean windowScaling,
    boolean timestamps,
    boolean sack,
    IntFunction<CongestionControl> congestionControl) {

  /** 4 MiB buffers, Nagle on, 40 ms delayed ACK, 200 ms minimum RTO, all options, NewReno. */
  public static TcpConfig defaults() {
    return new TcpConfig(
        4 << 20,
        4 << 20,
        false,
        40_000_000L,
        1_000_000_000L,
        200_000_000L,
        60_000_000_000L,
        60_000_000_000L,
        15,
        6,
        true,
        true,
        true,
        NewReno::new);
  }

  public TcpConfig withBuffers(int receive, int send) {
    return new TcpConfig(
        receive,
        send,
        noDelay,
        delayedAckNanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        timeWaitNanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScaling,
        timestamps,
        sack,
        congestionControl);
  }

  public TcpConfig withNoDelay(boolean value) {
    return new TcpConfig(
        receiveBufferSize,
        sendBufferSize,
        value,
        delayedAckNanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        timeWaitNanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScaling,
        timestamps,
        sack,
        congestionControl);
  }

  public TcpConfig withOptions(boolean windowScale, boolean ts, boolean sackOn) {
    return new TcpConfig(
        receiveBufferSize,
        sendBufferSize,
        noDelay,
        delayedAckNanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        timeWaitNanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScale,
        ts,
        sackOn,
        congestionControl);
  }

  public TcpConfig withTimeWait(long nanos) {
    return new TcpConfig(
        receiveBufferSize,
        sendBufferSize,
        noDelay,
        delayedAckNanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        nanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScaling,
        timestamps,
        sack,
        congestionControl);
  }

  public TcpConfig withDelayedAck(long nanos) {
    return new TcpConfig(
        receiveBufferSize,
        sendBufferSize,
        noDelay,
        nanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        timeWaitNanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScaling,
        timestamps,
        sack,
        congestionControl);
  }

  public TcpConfig withCongestionControl(IntFunction<CongestionControl> factory) {
    return new TcpConfig(
        receiveBufferSize,
        sendBufferSize,
        noDelay,
        delayedAckNanos,
        initialRtoNanos,
        minRtoNanos,
        maxRtoNanos,
        timeWaitNanos,
        maxRetransmissions,
        maxSynRetransmissions,
        windowScaling,
        timestamps,
        sack,
        factory);
  }

  /**
   * The smallest window scale whose 16-bit window reaches the receive buffer (RFC 7323 section
   * 2.3).
   */
  public int receiveWindowShift() {
    if (!windowScaling) {
      return 0;
    }
    int shift = 0;
    while (shift < 14 && (65535L << shift) < receiveBufferSize) {
      shift++;
    }
    return shift;
  }
}
