package io.weft.agent.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * SOCKS5 wire format (RFC 1928) and its username/password sub-negotiation (RFC 1929), parsed from a
 * byte array without throwing: every parse returns {@link #NEED_MORE}, {@link #INVALID} or the
 * number of bytes the message takes, and the fields are read from this object after success.
 *
 * <pre>
 * greeting:  VER(5) NMETHODS METHODS[NMETHODS]
 * user/pass: VER(1) ULEN UNAME[ULEN] PLEN PASSWD[PLEN]          (RFC 1929 section 2)
 * request:   VER(5) CMD RSV(0) ATYP DST.ADDR DST.PORT             (RFC 1928 section 4)
 * reply:     VER(5) REP RSV(0) ATYP BND.ADDR BND.PORT             (RFC 1928 section 6)
 * UDP:       RSV(0,0) FRAG ATYP DST.ADDR DST.PORT DATA            (RFC 1928 section 7)
 * ATYP 1: 4 bytes; 3: LEN then LEN bytes of name; 4: 16 bytes
 * </pre>
 */
final class Socks5 {
  // ---- specification constants (RFC 1928, RFC 1929) ----
  static final int VERSION = 5;
  static final int AUTH_VERSION = 1;
  static final int METHOD_NO_AUTH = 0x00;
  static final int METHOD_USER_PASS = 0x02;
  static final int METHOD_NONE_ACCEPTABLE = 0xFF;
  static final int CMD_CONNECT = 1;
  static final int CMD_BIND = 2;
  static final int CMD_UDP_ASSOCIATE = 3;
  static final int ATYP_IPV4 = 1;
  static final int ATYP_DOMAIN = 3;
  static final int ATYP_IPV6 = 4;
  static final int REP_SUCCEEDED = 0x00;
  static final int REP_GENERAL_FAILURE = 0x01;
  static final int REP_NOT_ALLOWED = 0x02;
  static final int REP_NETWORK_UNREACHABLE = 0x03;
  static final int REP_HOST_UNREACHABLE = 0x04;
  static final int REP_CONNECTION_REFUSED = 0x05;
  static final int REP_TTL_EXPIRED = 0x06;
  static final int REP_COMMAND_NOT_SUPPORTED = 0x07;
  static final int REP_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

  // ---- implementation constants ----
  /** The longest message: a user/pass with 255-byte name and password. */
  static final int MAX_MESSAGE = 3 + 255 + 255;

  static final int NEED_MORE = -1;
  static final int INVALID = -2;

  // ---- fields of the last successful parse ----
  int methodsOffset;
  int methodCount;
  String username;
  byte[] password;
  int command;
  int addressType;

  /** A domain name (ATYP 3), else null. */
  String host;

  /** An IP address (ATYP 1 or 4), else null. */
  InetAddress address;

  int port;

  /** For a request that parsed far enough to answer: the reply code it deserves. */
  int reply;

  /** A greeting; {@link #methodsOffset}/{@link #methodCount} locate the methods. */
  int greeting(byte[] b, int len) {
    if (len < 1) {
      return NEED_MORE;
    }
    if ((b[0] & 0xFF) != VERSION) {
      return INVALID;
    }
    if (len < 2) {
      return NEED_MORE;
    }
    final int n = b[1] & 0xFF;
    if (n == 0) {
      return INVALID;
    }
    if (len < 2 + n) {
      return NEED_MORE;
    }
    methodsOffset = 2;
    methodCount = n;
    return 2 + n;
  }

  /** Whether the last greeting offered {@code method}. */
  boolean offers(byte[] b, int method) {
    for (int i = 0; i < methodCount; i++) {
      if ((b[methodsOffset + i] & 0xFF) == method) {
        return true;
      }
    }
    return false;
  }

  /** An RFC 1929 request: {@link #username} (ASCII-decoded) and {@link #password}. */
  int userPass(byte[] b, int len) {
    if (len < 1) {
      return NEED_MORE;
    }
    if ((b[0] & 0xFF) != AUTH_VERSION) {
      return INVALID;
    }
    if (len < 2) {
      return NEED_MORE;
    }
    final int ulen = b[1] & 0xFF;
    if (ulen == 0) {
      return INVALID;
    }
    if (len < 3 + ulen) {
      return NEED_MORE;
    }
    final int plen = b[2 + ulen] & 0xFF;
    if (plen == 0) {
      return INVALID;
    }
    if (len < 3 + ulen + plen) {
      return NEED_MORE;
    }
    username = new String(b, 2, ulen, java.nio.charset.StandardCharsets.UTF_8);
    password = java.util.Arrays.copyOfRange(b, 3 + ulen, 3 + ulen + plen);
    return 3 + ulen + plen;
  }

  /**
   * A request. On success {@link #reply} is {@link #REP_SUCCEEDED}, or the failure the request
   * earns (unknown command, unknown address type, malformed name) while still being framed: the
   * caller answers with it. {@link #INVALID} means not even a reply can be framed.
   */
  int request(byte[] b, int len) {
    if (len < 1) {
      return NEED_MORE;
    }
    if ((b[0] & 0xFF) != VERSION) {
      return INVALID;
    }
    if (len < 4) {
      return NEED_MORE;
    }
    command = b[1] & 0xFF;
    reply =
        command == CMD_CONNECT || command == CMD_UDP_ASSOCIATE
            ? REP_SUCCEEDED
            : REP_COMMAND_NOT_SUPPORTED;
    if (b[2] != 0 && reply == REP_SUCCEEDED) {
      reply = REP_GENERAL_FAILURE;
    }
    return address(b, 3, len, true);
  }

  /** A UDP datagram's header at {@code offset}; returns the header length. FRAG must be 0. */
  int udpHeader(byte[] b, int offset, int len) {
    if (len - offset < 4) {
      return INVALID;
    }
    if (b[offset] != 0 || b[offset + 1] != 0 || b[offset + 2] != 0) {
      return INVALID; // reserved bytes, or a fragment (RFC 1928 section 7: we do not reassemble)
    }
    reply = REP_SUCCEEDED;
    final int end = address(b, offset + 3, len, false);
    if (end < 0 || reply != REP_SUCCEEDED) {
      return INVALID;
    }
    return end - offset;
  }

  /** ATYP DST.ADDR DST.PORT at {@code at}; returns the end offset. */
  private int address(byte[] b, int at, int len, boolean needMoreIsPossible) {
    final int incomplete = needMoreIsPossible ? NEED_MORE : INVALID;
    if (len <= at) {
      return incomplete;
    }
    addressType = b[at] & 0xFF;
    host = null;
    address = null;
    final int end;
    switch (addressType) {
      case ATYP_IPV4, ATYP_IPV6 -> {
        final int n = addressType == ATYP_IPV4 ? 4 : 16;
        end = at + 1 + n + 2;
        if (len < end) {
          return incomplete;
        }
        try {
          address = InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, at + 1, at + 1 + n));
        } catch (UnknownHostException e) {
          return INVALID; // not reached: the length is 4 or 16
        }
      }
      case ATYP_DOMAIN -> {
        if (len < at + 2) {
          return incomplete;
        }
        final int n = b[at + 1] & 0xFF;
        end = at + 2 + n + 2;
        if (len < end) {
          return incomplete;
        }
        host = hostName(b, at + 2, n);
        if (host == null && reply == REP_SUCCEEDED) {
          reply = REP_HOST_UNREACHABLE;
        }
      }
      default -> {
        // Without a known type the request cannot be framed; answer and close (RFC 1928 section 6).
        if (reply == REP_SUCCEEDED) {
          reply = REP_ADDRESS_TYPE_NOT_SUPPORTED;
        }
        return len;
      }
    }
    port = ((b[end - 2] & 0xFF) << 8) | (b[end - 1] & 0xFF);
    return end;
  }

  /** A DNS name of letters, digits, '-', '_' and '.', or null when it is not one. */
  static String hostName(byte[] b, int off, int n) {
    if (n == 0) {
      return null;
    }
    final char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      final int ch = b[off + i] & 0xFF;
      final boolean ok =
          (ch >= 'a' && ch <= 'z')
              || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9')
              || ch == '-'
              || ch == '.'
              || ch == '_'
              || ch == ':';
      if (!ok) {
        return null;
      }
      c[i] = (char) ch;
    }
    return new String(c);
  }

  /**
   * A reply (or a UDP header when {@code udp}) naming {@code bound}, written at 0; returns its
   * length.
   */
  static int encodeAddress(byte[] out, int at, InetAddress bound, int port) {
    final byte[] a = bound == null ? new byte[4] : bound.getAddress();
    out[at] = (byte) (a.length == 4 ? ATYP_IPV4 : ATYP_IPV6);
    System.arraycopy(a, 0, out, at + 1, a.length);
    out[at + 1 + a.length] = (byte) (port >>> 8);
    out[at + 2 + a.length] = (byte) port;
    return at + 3 + a.length;
  }

  /** VER REP RSV ATYP BND.ADDR BND.PORT. */
  static byte[] reply(int code, InetAddress bound, int port) {
    final byte[] out = new byte[22];
    out[0] = VERSION;
    out[1] = (byte) code;
    out[2] = 0;
    final int n = encodeAddress(out, 3, bound, port);
    return java.util.Arrays.copyOf(out, n);
  }
}
