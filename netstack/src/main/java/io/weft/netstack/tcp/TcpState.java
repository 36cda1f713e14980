package io.weft.netstack.tcp;

/** Connection states, named as in RFC 9293 section 3.3.2 (Figure 6). */
public enum TcpState {
  CLOSED,
  LISTEN,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT;

  /** States after the three-way handshake, where sequence numbers of both sides are known. */
  public boolean isSynchronized() {
    return ordinal() >= ESTABLISHED.ordinal();
  }

  /** States in which data from the peer is still accepted (RFC 9293 section 3.10.7.4, seventh). */
  public boolean receivesData() {
    return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
  }
}
