package io.weft.control.noise;

/** A handshake message that does not decrypt, authenticate or parse. */
public final class HandshakeException extends RuntimeException {
  public HandshakeException(String message) {
    super(message);
  }
}
