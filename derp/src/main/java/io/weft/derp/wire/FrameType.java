package io.weft.derp.wire;

/**
 * DERP frame types and protocol constants ({@code derp/derp.go} at v1.102.3: MaxPacketSize:28,
 * Magic:32, the FrameType block:68-131, PeerGoneReason:135-140, PeerPresentFlags:147-155).
 */
public final class FrameType {
  // Specification constants (names from derp.go).
  /** Protocol version 2: RecvPacket starts with the source key. */
  public static final int PROTOCOL_VERSION = 2;

  /** The largest packet a SendPacket/RecvPacket/ForwardPacket may carry. */
  public static final int MAX_PACKET_SIZE = 64 << 10;

  /** The largest ServerInfo box the client accepts (MaxInfoLen). */
  public static final int MAX_INFO_LEN = 1 << 20;

  /** Type byte plus a big-endian uint32 length. */
  public static final int HEADER_LENGTH = 5;

  /** Curve25519 public key length. */
  public static final int KEY_LENGTH = 32;

  /** {@code "DERP🔑"} in UTF-8. */
  public static final byte[] MAGIC = {
    0x44, 0x45, 0x52, 0x50, (byte) 0xf0, (byte) 0x9f, (byte) 0x94, (byte) 0x91
  };

  public static final int SERVER_KEY = 0x01;
  public static final int CLIENT_INFO = 0x02;
  public static final int SERVER_INFO = 0x03;
  public static final int SEND_PACKET = 0x04;
  public static final int RECV_PACKET = 0x05;
  public static final int KEEP_ALIVE = 0x06;
  public static final int NOTE_PREFERRED = 0x07;
  public static final int PEER_GONE = 0x08;
  public static final int PEER_PRESENT = 0x09;
  public static final int FORWARD_PACKET = 0x0a;
  public static final int WATCH_CONNS = 0x10;
  public static final int CLOSE_PEER = 0x11;
  public static final int PING = 0x12;
  public static final int PONG = 0x13;
  public static final int HEALTH = 0x14;
  public static final int RESTARTING = 0x15;

  /** PeerGone reason: the peer disconnected from this server. */
  public static final int PEER_GONE_DISCONNECTED = 0x00;

  /** PeerGone reason: this server does not know the peer. */
  public static final int PEER_GONE_NOT_HERE = 0x01;

  public static final int PEER_PRESENT_IS_REGULAR = 1;
  public static final int PEER_PRESENT_IS_MESH_PEER = 2;
  public static final int PEER_PRESENT_IS_PROBER = 4;
  public static final int PEER_PRESENT_NOT_IDEAL = 8;

  // Implementation constants (limits the Go code applies in other files).
  /** The client closes a connection on a frame over 1 MiB (derp_client.go:527). */
  public static final int CLIENT_MAX_FRAME = 1 << 20;

  /** The server caps ClientInfo at 256 KiB (derpserver.go:1745). */
  public static final int SERVER_MAX_CLIENT_INFO = 256 << 10;

  /** The server accepts ping bodies of 8 to 1000 bytes (derpserver.go:1191). */
  public static final int MAX_PING_BODY = 1000;

  /** Ping and pong payload length. */
  public static final int PING_LENGTH = 8;

  /** PeerPresent as current servers send it: key, 16-byte IP, port, flags. */
  public static final int PEER_PRESENT_LENGTH = KEY_LENGTH + 16 + 2 + 1;

  /** The disco magic {@code "TS💬"} that puts a packet in the disco queue (disco/disco.go:35). */
  public static final byte[] DISCO_MAGIC = {
    0x54, 0x53, (byte) 0xf0, (byte) 0x9f, (byte) 0x92, (byte) 0xac
  };

  /** Magic, sender disco key and nonce: the shortest disco packet (LooksLikeDiscoWrapper:62). */
  public static final int DISCO_MIN_LENGTH = DISCO_MAGIC.length + KEY_LENGTH + 24;

  private FrameType() {}

  /** A short name for logs and metrics. */
  public static String name(int type) {
    return switch (type) {
      case SERVER_KEY -> "server_key";
      case CLIENT_INFO -> "client_info";
      case SERVER_INFO -> "server_info";
      case SEND_PACKET -> "send_packet";
      case RECV_PACKET -> "recv_packet";
      case KEEP_ALIVE -> "keep_alive";
      case NOTE_PREFERRED -> "note_preferred";
      case PEER_GONE -> "peer_gone";
      case PEER_PRESENT -> "peer_present";
      case FORWARD_PACKET -> "forward_packet";
      case WATCH_CONNS -> "watch_conns";
      case CLOSE_PEER -> "close_peer";
      case PING -> "ping";
      case PONG -> "pong";
      case HEALTH -> "health";
      case RESTARTING -> "restarting";
      default -> "unknown";
    };
  }

  /**
   * Whether {@code p[off, off+len)} looks like a disco packet (Tailscale's LooksLikeDiscoWrapper).
   */
  public static boolean looksLikeDisco(byte[] p, int off, int len) {
    if (len < DISCO_MIN_LENGTH) {
      return false;
    }
    for (int i = 0; i < DISCO_MAGIC.length; i++) {
      if (p[off + i] != DISCO_MAGIC[i]) {
        return false;
      }
    }
    return true;
  }
}
