package io.weft.wg.wire;

/**
 * WireGuard's four message formats (paper §5.4.2–§5.4.7; wireguard-go {@code noise-protocol.go}),
 * as offsets into a byte array. All integers are little-endian; the type is one byte followed by
 * three reserved zero bytes.
 *
 * <pre>
 * Handshake initiation (148 bytes)     Handshake response (92 bytes)
 *   0  type=1 | reserved (3)             0  type=2 | reserved (3)
 *   4  sender index                      4  sender index
 *   8  unencrypted ephemeral (32)        8  receiver index
 *  40  encrypted static (32+16)         12  unencrypted ephemeral (32)
 *  88  encrypted timestamp (12+16)      44  encrypted nothing (0+16)
 * 116  mac1 (16)                        60  mac1 (16)
 * 132  mac2 (16)                        76  mac2 (16)
 *
 * Cookie reply (64 bytes)              Transport data (16 + n + 16 bytes)
 *   0  type=3 | reserved (3)             0  type=4 | reserved (3)
 *   4  receiver index                    4  receiver index
 *   8  nonce (24)                        8  counter (8)
 *  32  encrypted cookie (16+16)         16  encrypted packet (n, padded to 16) + tag (16)
 * </pre>
 *
 * {@link #classify} is the one entry point for untrusted datagrams: it never throws and accepts a
 * handshake message only at its exact size.
 */
public final class Messages {
  private Messages() {}

  /** Message types. */
  public static final int TYPE_INITIATION = 1;

  public static final int TYPE_RESPONSE = 2;
  public static final int TYPE_COOKIE_REPLY = 3;
  public static final int TYPE_TRANSPORT = 4;

  /** Returned by {@link #classify} for anything that is not a well-formed message. */
  public static final int INVALID = -1;

  /** Sizes. */
  public static final int INITIATION_SIZE = 148;

  public static final int RESPONSE_SIZE = 92;
  public static final int COOKIE_REPLY_SIZE = 64;
  public static final int TRANSPORT_HEADER_SIZE = 16;
  public static final int TAG_SIZE = 16;

  /** A keepalive: a transport message with an empty payload. */
  public static final int KEEPALIVE_SIZE = TRANSPORT_HEADER_SIZE + TAG_SIZE;

  /** Initiation offsets. */
  public static final int INIT_SENDER = 4;

  public static final int INIT_EPHEMERAL = 8;
  public static final int INIT_STATIC = 40;
  public static final int INIT_TIMESTAMP = 88;
  public static final int INIT_MAC1 = 116;
  public static final int INIT_MAC2 = 132;

  /** Response offsets. */
  public static final int RESP_SENDER = 4;

  public static final int RESP_RECEIVER = 8;
  public static final int RESP_EPHEMERAL = 12;
  public static final int RESP_EMPTY = 44;
  public static final int RESP_MAC1 = 60;
  public static final int RESP_MAC2 = 76;

  /** Cookie reply offsets. */
  public static final int COOKIE_RECEIVER = 4;

  public static final int COOKIE_NONCE = 8;
  public static final int COOKIE_ENCRYPTED = 32;

  /** Transport offsets. */
  public static final int TRANSPORT_RECEIVER = 4;

  public static final int TRANSPORT_COUNTER = 8;
  public static final int TRANSPORT_CONTENT = 16;

  /** Size of the MAC fields. */
  public static final int MAC_SIZE = 16;

  /**
   * The message type of {@code b[off, off+len)}, or {@link #INVALID} when the type byte, the
   * reserved bytes or the length do not fit. Never throws for in-bounds arguments.
   */
  public static int classify(byte[] b, int off, int len) {
    if (len < 4 || b[off + 1] != 0 || b[off + 2] != 0 || b[off + 3] != 0) {
      return INVALID;
    }
    int type = b[off];
    return switch (type) {
      case TYPE_INITIATION -> len == INITIATION_SIZE ? type : INVALID;
      case TYPE_RESPONSE -> len == RESPONSE_SIZE ? type : INVALID;
      case TYPE_COOKIE_REPLY -> len == COOKIE_REPLY_SIZE ? type : INVALID;
      case TYPE_TRANSPORT -> len >= KEEPALIVE_SIZE ? type : INVALID;
      default -> INVALID;
    };
  }

  /** Writes the type byte and the three reserved zero bytes. */
  public static void putType(byte[] b, int off, int type) {
    b[off] = (byte) type;
    b[off + 1] = 0;
    b[off + 2] = 0;
    b[off + 3] = 0;
  }

  /** Reads a little-endian 32-bit integer. */
  public static int getIntLE(byte[] b, int off) {
    return (b[off] & 0xff)
        | (b[off + 1] & 0xff) << 8
        | (b[off + 2] & 0xff) << 16
        | (b[off + 3] & 0xff) << 24;
  }

  /** Writes a little-endian 32-bit integer. */
  public static void putIntLE(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  /** Reads a little-endian 64-bit integer. */
  public static long getLongLE(byte[] b, int off) {
    return (getIntLE(b, off) & 0xffffffffL) | ((long) getIntLE(b, off + 4)) << 32;
  }

  /** Writes a little-endian 64-bit integer. */
  public static void putLongLE(byte[] b, int off, long v) {
    putIntLE(b, off, (int) v);
    putIntLE(b, off + 4, (int) (v >>> 32));
  }
}
