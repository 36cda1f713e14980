package io.weft.control.protocol;

import java.nio.charset.StandardCharsets;

/** Constants of the control protocol, version {@value #VERSION}. */
public final class Protocol {
  /** The protocol version; bumped on any incompatible change. */
  public static final int VERSION = 1;

  /** Noise prologue: binds the handshake to this protocol and version. */
  public static final String PROLOGUE_TEXT = "Weft Control Protocol v" + VERSION;

  /** Path of the server's public key document ({@code GET}). */
  public static final String KEY_PATH = "/key";

  /** Path of the upgrade to the Noise channel. */
  public static final String CONTROL_PATH = "/weft/control";

  /** The {@code Upgrade:} token. */
  public static final String UPGRADE_TOKEN = "weft-control-v" + VERSION;

  /** Request header carrying the base64 Noise initiation (saves a round trip, as ts2021 does). */
  public static final String HANDSHAKE_HEADER = "Weft-Handshake";

  /** Largest JSON message either side accepts. */
  public static final int MAX_MESSAGE_BYTES = 16 << 20;

  private Protocol() {}

  /** The prologue bytes. */
  public static byte[] prologue() {
    return PROLOGUE_TEXT.getBytes(StandardCharsets.US_ASCII);
  }
}
