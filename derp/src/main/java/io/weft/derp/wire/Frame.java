package io.weft.derp.wire;

import static io.weft.derp.wire.FrameType.*;

import java.nio.charset.StandardCharsets;

/**
 * A flyweight over one DERP frame body (the bytes after the 5-byte header) in a caller's array.
 *
 * <pre>
 *  0      1              5
 * +------+--------------+---------------------------------------------+
 * | type | length (BE32)| body                                        |
 * +------+--------------+---------------------------------------------+
 * ServerKey     magic(8) key(32) [future bytes]
 * ClientInfo    key(32) nonce(24) box(json)
 * ServerInfo    nonce(24) box(json)
 * SendPacket    dst(32) packet
 * RecvPacket    src(32) packet
 * ForwardPacket src(32) dst(32) packet
 * PeerGone      key(32) [reason(1)]
 * PeerPresent   key(32) [ip(16) port(2 BE) [flags(1)]]
 * ClosePeer     key(32)
 * NotePreferred preferred(1)
 * Ping / Pong   data(8) [extra]
 * Health        UTF-8 text
 * Restarting    reconnectInMs(BE32) tryForMs(BE32)
 * KeepAlive, WatchConns: empty
 * </pre>
 *
 * <p>{@link #wrap} then {@link #checkLength()}; after a true {@code checkLength} the accessors of
 * that type cannot fail.
 */
public final class Frame {
  private byte[] buf;
  private int off;
  private int len;
  private int type;

  /** Points this flyweight at a body of {@code type} at {@code buf[off, off+len)}. */
  public Frame wrap(int type, byte[] buf, int off, int len) {
    this.type = type;
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  /** Whether the body is long enough (and not too long) for its type's accessors. */
  public boolean checkLength() {
    return switch (type) {
      case SERVER_KEY -> len >= MAGIC.length + KEY_LENGTH && hasMagic();
      case CLIENT_INFO ->
          len >= KEY_LENGTH + NaclBox.NONCE_LENGTH + NaclBox.OVERHEAD
              && len <= SERVER_MAX_CLIENT_INFO;
      case SERVER_INFO ->
          len >= NaclBox.NONCE_LENGTH + NaclBox.OVERHEAD
              && len <= NaclBox.NONCE_LENGTH + MAX_INFO_LEN;
      case SEND_PACKET, RECV_PACKET -> len >= KEY_LENGTH && len - KEY_LENGTH <= MAX_PACKET_SIZE;
      case FORWARD_PACKET -> len >= 2 * KEY_LENGTH && len - 2 * KEY_LENGTH <= MAX_PACKET_SIZE;
      case PEER_GONE, PEER_PRESENT -> len >= KEY_LENGTH;
      case CLOSE_PEER -> len == KEY_LENGTH;
      case NOTE_PREFERRED -> len == 1;
      case PING -> len >= PING_LENGTH && len <= MAX_PING_BODY;
      case PONG -> len >= PING_LENGTH;
      case RESTARTING -> len >= 8;
      case KEEP_ALIVE, WATCH_CONNS, HEALTH -> true;
      default -> true;
    };
  }

  private boolean hasMagic() {
    for (int i = 0; i < MAGIC.length; i++) {
      if (buf[off + i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  public int type() {
    return type;
  }

  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return off;
  }

  public int length() {
    return len;
  }

  /** Offset of the key: the server key, the client key, the peer (gone/present/close), or src. */
  public int keyOffset() {
    return switch (type) {
      case SERVER_KEY -> off + MAGIC.length;
      default -> off;
    };
  }

  /** SendPacket's destination or ForwardPacket's destination. */
  public int dstKeyOffset() {
    return type == FORWARD_PACKET ? off + KEY_LENGTH : off;
  }

  /** Offset of the packet in SendPacket, RecvPacket and ForwardPacket. */
  public int packetOffset() {
    return off + (type == FORWARD_PACKET ? 2 * KEY_LENGTH : KEY_LENGTH);
  }

  public int packetLength() {
    return len - (type == FORWARD_PACKET ? 2 * KEY_LENGTH : KEY_LENGTH);
  }

  /** ClientInfo: the sealed part, nonce(24) || box. */
  public int sealedOffset() {
    return type == CLIENT_INFO ? off + KEY_LENGTH : off;
  }

  public int sealedLength() {
    return type == CLIENT_INFO ? len - KEY_LENGTH : len;
  }

  /** PeerGone's reason; {@link FrameType#PEER_GONE_DISCONNECTED} when absent (old servers). */
  public int peerGoneReason() {
    return len > KEY_LENGTH ? buf[off + KEY_LENGTH] & 0xff : PEER_GONE_DISCONNECTED;
  }

  /** Whether PeerPresent carries the endpoint (IP and port). */
  public boolean hasEndpoint() {
    return len >= KEY_LENGTH + 18;
  }

  /** PeerPresent's 16-byte (v4-mapped for IPv4) address offset. */
  public int ipOffset() {
    return off + KEY_LENGTH;
  }

  public int port() {
    return hasEndpoint() ? u16(off + KEY_LENGTH + 16) : 0;
  }

  /** PeerPresent's flags byte, or 0 when the server did not send one. */
  public int presentFlags() {
    return len >= PEER_PRESENT_LENGTH ? buf[off + KEY_LENGTH + 18] & 0xff : 0;
  }

  public boolean preferred() {
    return buf[off] != 0;
  }

  /** Ping/Pong: the 8-byte data as a long (big-endian). */
  public long pingData() {
    return u32(off) << 32 | u32(off + 4);
  }

  public long reconnectInMs() {
    return u32(off);
  }

  public long tryForMs() {
    return u32(off + 4);
  }

  public String healthText() {
    return new String(buf, off, len, StandardCharsets.UTF_8);
  }

  private int u16(int at) {
    return (buf[at] & 0xff) << 8 | buf[at + 1] & 0xff;
  }

  private long u32(int at) {
    return ((buf[at] & 0xffL) << 24)
        | ((buf[at + 1] & 0xffL) << 16)
        | ((buf[at + 2] & 0xffL) << 8)
        | (buf[at + 3] & 0xffL);
  }
}
