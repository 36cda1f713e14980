package io.weft.wg.key;

import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Shared parsing and formatting of 32-byte keys: base64 (wg(8) files) and hex (UAPI). */
final class Key32 {
  static final int LENGTH = 32;

  private Key32() {}

  static byte[] fromBase64(String what, String s) {
    if (s == null) {
      throw new IllegalArgumentException(what + ": missing");
    }
    String t = s.strip();
    if (t.length() != 44 || t.charAt(43) != '=') {
      throw new IllegalArgumentException(what + ": must be 44 characters of base64 (32 bytes)");
    }
    try {
      byte[] b = Base64.getDecoder().decode(t);
      if (b.length != LENGTH) {
        throw new IllegalArgumentException(what + ": must decode to 32 bytes");
      }
      return b;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": not valid base64", e);
    }
  }

  static byte[] fromHex(String what, String s) {
    if (s == null || s.length() != 64) {
      throw new IllegalArgumentException(what + ": must be 64 hex characters (32 bytes)");
    }
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": not valid hex", e);
    }
  }

  static byte[] copy(String what, byte[] b) {
    if (b == null || b.length != LENGTH) {
      throw new IllegalArgumentException(what + ": must be 32 bytes");
    }
    return Arrays.copyOf(b, LENGTH);
  }
}
