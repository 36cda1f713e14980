package io.weft.control.protocol;

/** Outcome of a registration. */
public enum RegisterStatus {
  /** Registered; the node may subscribe to its map (which stays empty until approved). */
  AUTHORIZED,
  /** The user must open {@code loginUrl}; {@code login-complete} follows on this connection. */
  NEEDS_LOGIN,
  /** Refused; {@code reason} says why. */
  REJECTED
}
