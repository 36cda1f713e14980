package io.weft.netstack.tcp;

/** Why a connection ended other than by an orderly close. */
public enum TcpError {
  NONE,
  /** The peer answered the SYN with a reset (RFC 9293 section 3.10.7.3, "connection refused"). */
  REFUSED,
  /** The peer reset an established connection (RFC 9293 section 3.10.7.4, second check). */
  RESET,
  /** Retransmissions were exhausted (RFC 9293 section 3.8.3, R2). */
  TIMED_OUT,
  /** This side aborted (RFC 9293 section 3.10.5). */
  ABORTED
}
