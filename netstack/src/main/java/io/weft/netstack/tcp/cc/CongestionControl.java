package io.weft.netstack.tcp.cc;

/**
 * The congestion window of one connection. All quantities are bytes. The socket detects loss and
 * calls these hooks; implementations only do window arithmetic.
 */
public interface CongestionControl {
  /** Current congestion window. */
  int window();

  /** Slow start threshold. */
  int ssthresh();

  /** Sets the sender maximum segment size (called once the handshake fixes it). */
  void setMss(int mss);

  /** New data was cumulatively acknowledged outside recovery. */
  void onAck(long nowNanos, int ackedBytes, int bytesInFlight, long srttNanos);

  /** Third duplicate ACK: enter fast recovery (RFC 6582 section 3.2 step 2/3). */
  void onEnterRecovery(long nowNanos, int bytesInFlight);

  /** Another duplicate ACK during recovery (step 4: inflate). */
  void onDuplicateAckInRecovery();

  /** A partial ACK during recovery acknowledged {@code ackedBytes} (step 5: deflate). */
  void onPartialAck(int ackedBytes);

  /** A full ACK ended recovery (step 5, "full acknowledgment"). */
  void onExitRecovery(int bytesInFlight);

  /** The retransmission timer expired. */
  void onRetransmitTimeout(long nowNanos, int bytesInFlight);
}
