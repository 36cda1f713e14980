package io.weft.wg.httpupgrade;

import java.io.IOException;

/** The peer's HTTP response head broke a rule of {@link UpgradeResponse}'s strict reading. */
public class MalformedResponseException extends IOException {
  private final String what;

  public MalformedResponseException(String what) {
    super("malformed HTTP response from the server: " + what);
    this.what = what;
  }

  /** Which part of the head was refused ({@code "status line"}, {@code "Content-Length"}, ...). */
  public String what() {
    return what;
  }
}
