package io.weft.agent.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A proxy request's head (RFC 9112 section 3 and 5), parsed strictly and without throwing: CRLF
 * line ends only, no obsolete line folding, token header names, one Content-Length at most and not
 * with Transfer-Encoding, a bounded number of fields. {@code CONNECT host:port} or an absolute
 * {@code http://} target; the forwarded head is rewritten to origin form with the hop-by-hop fields
 * removed and {@code Connection: close} set.
 */
final class HttpRequestHead {
  static final int NEED_MORE = -1;
  static final int MAX_FIELDS = 100;

  /** 0 while parsing or when OK, else the HTTP status to answer with. */
  int error;

  String reason;
  boolean connect;
  String host;
  int port;

  /** For a forward: the head to send to the origin. */
  byte[] forwardHead;

  /**
   * Parses {@code b[0..len)}; returns the head's length, {@link #NEED_MORE}, or 0 with {@link
   * #error} set.
   */
  int parse(byte[] b, int len, int maxHead) {
    final int end = indexOf(b, len, "\r\n\r\n");
    if (end < 0) {
      if (len >= maxHead) {
        return fail(431, "request head too large");
      }
      return NEED_MORE;
    }
    final int headLength = end + 4;
    if (headLength > maxHead) {
      return fail(431, "request head too large");
    }
    for (int i = 0; i < end; i++) {
      final int c = b[i] & 0xFF;
      if (c == '\n' && (i == 0 || b[i - 1] != '\r')) {
        return fail(400, "bare LF");
      }
      if (c == '\r' && b[i + 1] != '\n') {
        return fail(400, "bare CR");
      }
      if (c == 0 || c >= 0x80) {
        return fail(400, "non-ASCII byte in the head");
      }
    }
    final String[] lines = new String(b, 0, end, StandardCharsets.US_ASCII).split("\r\n", -1);
    final String[] start = lines[0].split(" ", -1);
    if (start.length != 3
        || !isToken(start[0])
        || start[1].isEmpty()
        || !(start[2].equals("HTTP/1.1") || start[2].equals("HTTP/1.0"))) {
      return fail(400, "malformed request line");
    }
    final String method = start[0];
    final String target = start[1];
    final StringBuilder out = new StringBuilder(headLength + 32);
    int contentLengths = 0;
    boolean chunked = false;
    String hostField = null;
    String connectionTokens = "";
    if (lines.length - 1 > MAX_FIELDS) {
      return fail(431, "too many header fields");
    }
    for (int i = 1; i < lines.length; i++) {
      final String line = lines[i];
      if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        return fail(400, "obsolete line folding");
      }
      final int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        return fail(400, "malformed header field");
      }
      final String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      final String value = line.substring(colon + 1).strip();
      switch (name) {
        case "content-length" -> {
          contentLengths++;
          if (contentLengths > 1
              || value.isEmpty()
              || value.length() > 18
              || !value.chars().allMatch(Character::isDigit)) {
            return fail(400, "invalid or repeated Content-Length");
          }
        }
        case "transfer-encoding" -> {
          if (chunked || !value.equalsIgnoreCase("chunked")) {
            return fail(chunked ? 400 : 501, "unsupported Transfer-Encoding");
          }
          chunked = true;
        }
        case "host" -> {
          if (hostField != null) {
            return fail(400, "repeated Host");
          }
          hostField = value;
        }
        case "connection", "proxy-connection" ->
            connectionTokens += "," + value.toLowerCase(Locale.ROOT);
        default -> {}
      }
    }
    if (chunked && contentLengths > 0) {
      return fail(400, "both Content-Length and Transfer-Encoding");
    }
    if (method.equals("CONNECT")) {
      connect = true;
      if (!authority(target, -1)) {
        return fail(400, "CONNECT needs host:port");
      }
      return headLength;
    }
    if (!target.regionMatches(true, 0, "http://", 0, 7)) {
      return fail(
          400,
          target.regionMatches(true, 0, "https://", 0, 8)
              ? "https:// targets need CONNECT"
              : "a proxy request needs an absolute http:// target");
    }
    final int slash = target.indexOf('/', 7);
    final String authority = slash < 0 ? target.substring(7) : target.substring(7, slash);
    final String path = slash < 0 ? "/" : target.substring(slash);
    if (authority.contains("@") || !authority(authority, 80)) {
      return fail(400, "malformed authority in the target");
    }
    out.append(method).append(' ').append(path).append(' ').append(start[2]).append("\r\n");
    final String hop = connectionTokens;
    for (int i = 1; i < lines.length; i++) {
      final String line = lines[i];
      final String name = line.substring(0, line.indexOf(':')).toLowerCase(Locale.ROOT);
      if (name.equals("connection")
          || name.equals("proxy-connection")
          || name.equals("keep-alive")
          || name.startsWith("proxy-")
          || name.equals("upgrade")
          || name.equals("te")
          || (!name.isEmpty() && ("," + hop.replace(" ", "") + ",").contains("," + name + ","))) {
        continue;
      }
      out.append(line).append("\r\n");
    }
    if (hostField == null) {
      out.append("Host: ").append(authority).append("\r\n");
    }
    out.append("Connection: close\r\n\r\n");
    forwardHead = out.toString().getBytes(StandardCharsets.US_ASCII);
    return headLength;
  }

  /** Sets {@link #host} and {@link #port} from {@code host[:port]} or {@code [v6][:port]}. */
  private boolean authority(String a, int defaultPort) {
    String h;
    String p;
    if (a.startsWith("[")) {
      final int close = a.indexOf(']');
      if (close < 0) {
        return false;
      }
      h = a.substring(1, close);
      final String rest = a.substring(close + 1);
      if (rest.isEmpty()) {
        p = null;
      } else if (rest.startsWith(":")) {
        p = rest.substring(1);
      } else {
        return false;
      }
    } else {
      final int colon = a.lastIndexOf(':');
      h = colon < 0 ? a : a.substring(0, colon);
      p = colon < 0 ? null : a.substring(colon + 1);
      if (h.contains(":")) {
        return false;
      }
    }
    if (h.isEmpty()
        || Socks5.hostName(h.getBytes(StandardCharsets.US_ASCII), 0, h.length()) == null) {
      return false;
    }
    if (p == null) {
      if (defaultPort < 0) {
        return false;
      }
      port = defaultPort;
    } else {
      if (p.isEmpty() || p.length() > 5 || !p.chars().allMatch(Character::isDigit)) {
        return false;
      }
      port = Integer.parseInt(p);
      if (port < 1 || port > 65535) {
        return false;
      }
    }
    host = h;
    return true;
  }

  private int fail(int status, String why) {
    error = status;
    reason = why;
    return 0;
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 0x80) && "!#$%&'*+-.^_`|~".indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  static int indexOf(byte[] b, int len, String pattern) {
    final int n = pattern.length();
    outer:
    for (int i = 0; i + n <= len; i++) {
      for (int j = 0; j < n; j++) {
        if (b[i + j] != pattern.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
