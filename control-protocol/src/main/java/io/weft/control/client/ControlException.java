package io.weft.control.client;

import java.io.IOException;

/** The server refused a request or the connection; {@link #status()} follows HTTP's meaning. */
public class ControlException extends IOException {
  private final int status;

  public ControlException(int status, String reason) {
    super(status + ": " + reason);
    this.status = status;
  }

  /** The HTTP-style status of the refusal. */
  public int status() {
    return status;
  }
}
