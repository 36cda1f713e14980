package io.weft.tun.posix;

import java.io.IOException;

/** A C library call failed; carries {@code errno} so callers can explain the likely cause. */
public final class ErrnoException extends IOException {
  private final int errno;

  public ErrnoException(String message, int errno, Throwable cause) {
    super(message, cause);
    this.errno = errno;
  }

  /** The {@code errno} the call failed with. */
  public int errno() {
    return errno;
  }
}
