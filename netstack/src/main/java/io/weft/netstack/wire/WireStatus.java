package io.weft.netstack.wire;

/**
 * Result codes of {@code checkLength()} and friends. Parsing returns codes instead of throwing so a
 * bad packet costs a counter increment, not an exception.
 */
public final class WireStatus {
  /** The header is complete and consistent; accessors may be used. */
  public static final int OK = 0;

  /** Fewer bytes than the header (or its own length fields) require. */
  public static final int TRUNCATED = 1;

  /** A field holds a value the format forbids (bad version, option length, header length). */
  public static final int MALFORMED = 2;

  /** The checksum does not verify. */
  public static final int BAD_CHECKSUM = 3;

  /** Well-formed but not handled here (for example a non-atomic IPv6 fragment). */
  public static final int UNSUPPORTED = 4;

  private WireStatus() {}

  /** A short name for logs and test messages. */
  public static String name(int status) {
    return switch (status) {
      case OK -> "OK";
      case TRUNCATED -> "TRUNCATED";
      case MALFORMED -> "MALFORMED";
      case BAD_CHECKSUM -> "BAD_CHECKSUM";
      case UNSUPPORTED -> "UNSUPPORTED";
      default -> "UNKNOWN(" + status + ")";
    };
  }
}
