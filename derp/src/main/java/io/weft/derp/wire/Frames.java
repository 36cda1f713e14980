package io.weft.derp.wire;

import static io.weft.derp.wire.FrameType.*;

import java.nio.charset.StandardCharsets;

/**
 * Emits DERP frames (header and body) into a caller's array; each method returns the number of
 * bytes written. The destination must have {@link FrameType#HEADER_LENGTH} plus the body length
 * free from {@code off}.
 */
public final class Frames {
  private Frames() {}

  /** Writes the 5-byte header. */
  public static int header(byte[] dst, int off, int type, int bodyLength) {
    dst[off] = (byte) type;
    dst[off + 1] = (byte) (bodyLength >>> 24);
    dst[off + 2] = (byte) (bodyLength >>> 16);
    dst[off + 3] = (byte) (bodyLength >>> 8);
    dst[off + 4] = (byte) bodyLength;
    return HEADER_LENGTH;
  }

  /** The body length in a header at {@code src[off]} (unsigned; callers bound it). */
  public static long bodyLength(byte[] src, int off) {
    return ((src[off + 1] & 0xffL) << 24)
        | ((src[off + 2] & 0xffL) << 16)
        | ((src[off + 3] & 0xffL) << 8)
        | (src[off + 4] & 0xffL);
  }

  public static int serverKey(byte[] dst, int off, byte[] serverPublic) {
    int n = header(dst, off, SERVER_KEY, MAGIC.length + KEY_LENGTH);
    System.arraycopy(MAGIC, 0, dst, off + n, MAGIC.length);
    System.arraycopy(serverPublic, 0, dst, off + n + MAGIC.length, KEY_LENGTH);
    return n + MAGIC.length + KEY_LENGTH;
  }

  /** ClientInfo: the client's key, then {@code sealed} (nonce || box). */
  public static int clientInfo(byte[] dst, int off, byte[] clientPublic, byte[] sealed) {
    int n = header(dst, off, CLIENT_INFO, KEY_LENGTH + sealed.length);
    System.arraycopy(clientPublic, 0, dst, off + n, KEY_LENGTH);
    System.arraycopy(sealed, 0, dst, off + n + KEY_LENGTH, sealed.length);
    return n + KEY_LENGTH + sealed.length;
  }

  public static int serverInfo(byte[] dst, int off, byte[] sealed) {
    int n = header(dst, off, SERVER_INFO, sealed.length);
    System.arraycopy(sealed, 0, dst, off + n, sealed.length);
    return n + sealed.length;
  }

  /** SendPacket (to {@code key}) or RecvPacket (from {@code key}) with the packet copied in. */
  public static int packet(
      byte[] dst, int off, int type, byte[] key, int keyOff, byte[] p, int pOff, int pLen) {
    int n = header(dst, off, type, KEY_LENGTH + pLen);
    System.arraycopy(key, keyOff, dst, off + n, KEY_LENGTH);
    System.arraycopy(p, pOff, dst, off + n + KEY_LENGTH, pLen);
    return n + KEY_LENGTH + pLen;
  }

  public static int forwardPacket(
      byte[] dst,
      int off,
      byte[] src,
      int srcOff,
      byte[] dstKey,
      int dstOff,
      byte[] p,
      int pOff,
      int pLen) {
    int n = header(dst, off, FORWARD_PACKET, 2 * KEY_LENGTH + pLen);
    System.arraycopy(src, srcOff, dst, off + n, KEY_LENGTH);
    System.arraycopy(dstKey, dstOff, dst, off + n + KEY_LENGTH, KEY_LENGTH);
    System.arraycopy(p, pOff, dst, off + n + 2 * KEY_LENGTH, pLen);
    return n + 2 * KEY_LENGTH + pLen;
  }

  public static int empty(byte[] dst, int off, int type) {
    return header(dst, off, type, 0);
  }

  public static int notePreferred(byte[] dst, int off, boolean preferred) {
    int n = header(dst, off, NOTE_PREFERRED, 1);
    dst[off + n] = (byte) (preferred ? 1 : 0);
    return n + 1;
  }

  public static int peerGone(byte[] dst, int off, byte[] key, int keyOff, int reason) {
    int n = header(dst, off, PEER_GONE, KEY_LENGTH + 1);
    System.arraycopy(key, keyOff, dst, off + n, KEY_LENGTH);
    dst[off + n + KEY_LENGTH] = (byte) reason;
    return n + KEY_LENGTH + 1;
  }

  /** The 51-byte PeerPresent; {@code ip16} is the 16-byte (v4-mapped) form. */
  public static int peerPresent(
      byte[] dst, int off, byte[] key, int keyOff, byte[] ip16, int port, int flags) {
    int n = header(dst, off, PEER_PRESENT, PEER_PRESENT_LENGTH);
    int b = off + n;
    System.arraycopy(key, keyOff, dst, b, KEY_LENGTH);
    System.arraycopy(ip16, 0, dst, b + KEY_LENGTH, 16);
    dst[b + KEY_LENGTH + 16] = (byte) (port >>> 8);
    dst[b + KEY_LENGTH + 17] = (byte) port;
    dst[b + KEY_LENGTH + 18] = (byte) flags;
    return n + PEER_PRESENT_LENGTH;
  }

  public static int closePeer(byte[] dst, int off, byte[] key, int keyOff) {
    int n = header(dst, off, CLOSE_PEER, KEY_LENGTH);
    System.arraycopy(key, keyOff, dst, off + n, KEY_LENGTH);
    return n + KEY_LENGTH;
  }

  /** Ping or Pong with 8 bytes of data. */
  public static int ping(byte[] dst, int off, int type, long data) {
    int n = header(dst, off, type, PING_LENGTH);
    for (int i = 0; i < 8; i++) {
      dst[off + n + i] = (byte) (data >>> (56 - 8 * i));
    }
    return n + PING_LENGTH;
  }

  public static int health(byte[] dst, int off, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    int n = header(dst, off, HEALTH, t.length);
    System.arraycopy(t, 0, dst, off + n, t.length);
    return n + t.length;
  }

  public static int restarting(byte[] dst, int off, long reconnectInMs, long tryForMs) {
    int n = header(dst, off, RESTARTING, 8);
    for (int i = 0; i < 4; i++) {
      dst[off + n + i] = (byte) (reconnectInMs >>> (24 - 8 * i));
      dst[off + n + 4 + i] = (byte) (tryForMs >>> (24 - 8 * i));
    }
    return n + 8;
  }
}
