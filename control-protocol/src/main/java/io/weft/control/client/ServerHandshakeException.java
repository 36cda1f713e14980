package io.weft.control.client;

import io.weft.wg.key.NoisePublicKey;

/**
 * The server did not complete the Noise handshake for the key the client expected: it is another
 * server, or someone on the path answered. A pinned key must not be replaced because of this.
 */
public final class ServerHandshakeException extends ControlException {
  private static final long serialVersionUID = 1L;
  private final transient NoisePublicKey expected;

  public ServerHandshakeException(int status, NoisePublicKey expected, String reason) {
    super(status, reason);
    this.expected = expected;
  }

  /** The server key the handshake was made for. */
  public NoisePublicKey expected() {
    return expected;
  }
}
