package io.weft.wg.httpupgrade;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The head of the server's answer to the upgrade request, read strictly: a status line {@code
 * HTTP/1.1 NNN reason}, header lines {@code name: value} ending in CRLF, at most {@value #MAX_LINE}
 * bytes a line, {@value #MAX_HEADERS} lines and {@value #MAX_HEAD} bytes in all. Bare LF,
 * obs-folded lines, whitespace before the colon, a non-token name, a non-numeric or repeated {@code
 * Content-Length}: each is a {@link MalformedResponseException}, never a guess. Shared by the
 * control client and the DERP client; reads nothing past the blank line.
 *
 * @param status the status code
 * @param contentLength the {@code Content-Length}, -1 when absent
 * @param upgrade the {@code Upgrade} header, null when absent
 */
public record UpgradeResponse(int status, long contentLength, String upgrade) {
  public static final int MAX_LINE = 8 * 1024;
  public static final int MAX_HEADERS = 100;
  public static final int MAX_HEAD = 64 * 1024;

  /** Reads one response head from {@code in}, byte by byte. */
  public static UpgradeResponse read(InputStream in) throws IOException {
    int[] budget = {MAX_HEAD};
    String statusLine = line(in, budget);
    if (statusLine == null
        || !statusLine.matches("HTTP/1\\.[01] [1-5][0-9][0-9]( [\\x20-\\x7e\\t]*)?")) {
      throw malformed("status line");
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long contentLength = -1;
    String upgrade = null;
    for (int n = 0; ; n++) {
      String h = line(in, budget);
      if (h == null) {
        throw malformed("header section (connection closed)");
      }
      if (h.isEmpty()) {
        break;
      }
      if (n >= MAX_HEADERS) {
        throw malformed("header section (more than " + MAX_HEADERS + " lines)");
      }
      int colon = h.indexOf(':');
      if (colon <= 0 || !isToken(h, colon)) {
        throw malformed("header line");
      }
      String name = h.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).strip();
      switch (name) {
        case "content-length" -> {
          if (contentLength >= 0 || !value.matches("[0-9]{1,12}")) {
            throw malformed("Content-Length");
          }
          contentLength = Long.parseLong(value);
        }
        case "upgrade" -> {
          if (upgrade != null) {
            throw malformed("Upgrade header (repeated)");
          }
          upgrade = value;
        }
        default -> {}
      }
    }
    return new UpgradeResponse(status, contentLength, upgrade);
  }

  private static boolean isToken(String h, int end) {
    for (int i = 0; i < end; i++) {
      char c = h.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** One CRLF-terminated line without its CRLF; null at the end of the stream before any byte. */
  private static String line(InputStream in, int[] budget) throws IOException {
    byte[] buf = new byte[256];
    int len = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (len == 0) {
          return null;
        }
        throw malformed("line (connection closed)");
      }
      if (--budget[0] < 0) {
        throw malformed("header section (longer than " + MAX_HEAD + " bytes)");
      }
      if (b == '\r') {
        if (in.read() != '\n' || --budget[0] < 0) {
          throw malformed("line ending (CR without LF)");
        }
        return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (b == '\n') {
        throw malformed("line ending (bare LF)");
      }
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        throw malformed("line (control character)");
      }
      if (len == MAX_LINE) {
        throw malformed("line (longer than " + MAX_LINE + " bytes)");
      }
      if (len == buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_LINE));
      }
      buf[len++] = (byte) b;
    }
  }

  private static MalformedResponseException malformed(String what) {
    return new MalformedResponseException(what);
  }
}
