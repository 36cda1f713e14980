package io.weft.derp.stun;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.Arrays;

/** STUN Binding messages (RFC 8489) in byte arrays; see the package documentation. */
public final class Stun {
  public static final int MAGIC_COOKIE = 0x2112A442;
  public static final int HEADER = 20;
  public static final int TX_ID_LENGTH = 12;
  public static final int BINDING_REQUEST = 0x0001;
  public static final int BINDING_SUCCESS = 0x0101;
  public static final int MAPPED_ADDRESS = 0x0001;
  public static final int XOR_MAPPED_ADDRESS = 0x0020;

  /** XOR-MAPPED-ADDRESS as some servers still number it (pre-RFC 5389 drafts). */
  public static final int XOR_MAPPED_ADDRESS_ALT = 0x8020;

  /** The largest message accepted (one Ethernet MTU). */
  public static final int MAX_LENGTH = 1500;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Stun() {}

  /** A Binding success response: the transaction it answers and the mapped address. */
  public record Response(byte[] txId, InetSocketAddress mapped) {}

  /** A fresh random 12-byte transaction id. */
  public static byte[] newTxId() {
    byte[] t = new byte[TX_ID_LENGTH];
    RANDOM.nextBytes(t);
    return t;
  }

  /**
   * Whether {@code b[off, off+len)} looks like STUN: at least a header, top two bits of the first
   * byte zero, the magic cookie in bytes 4-7. The socket demultiplexer's test.
   */
  public static boolean looksLike(byte[] b, int off, int len) {
    return len >= HEADER
        && off >= 0
        && off + len <= b.length
        && (b[off] & 0xc0) == 0
        && be32(b, off + 4) == MAGIC_COOKIE;
  }

  /** A Binding request with {@code txId} and no attributes. */
  public static byte[] bindingRequest(byte[] txId) {
    checkTxId(txId);
    byte[] b = new byte[HEADER];
    header(b, BINDING_REQUEST, 0, txId);
    return b;
  }

  /**
   * The transaction id of the Binding request at {@code b[off, off+len)}, or null when it is not
   * one (wrong type or cookie, a length field that does not match, attributes not 4-aligned).
   */
  public static byte[] parseBindingRequest(byte[] b, int off, int len) {
    if (!looksLike(b, off, len) || len > MAX_LENGTH) {
      return null;
    }
    int attrs = be16(b, off + 2);
    if (be16(b, off) != BINDING_REQUEST || attrs + HEADER != len || (attrs & 3) != 0) {
      return null;
    }
    return Arrays.copyOfRange(b, off + 8, off + HEADER);
  }

  /** A Binding success response to {@code txId} telling the client it was seen at {@code from}. */
  public static byte[] bindingResponse(byte[] txId, InetSocketAddress from) {
    checkTxId(txId);
    byte[] ip = from.getAddress().getAddress();
    int attrLen = 4 + ip.length;
    byte[] b = new byte[HEADER + 4 + attrLen];
    header(b, BINDING_SUCCESS, 4 + attrLen, txId);
    put16(b, HEADER, XOR_MAPPED_ADDRESS);
    put16(b, HEADER + 2, attrLen);
    b[HEADER + 5] = (byte) (from.getAddress() instanceof Inet4Address ? 1 : 2);
    put16(b, HEADER + 6, from.getPort() ^ (MAGIC_COOKIE >>> 16));
    for (int i = 0; i < ip.length; i++) {
      b[HEADER + 8 + i] = (byte) (ip[i] ^ b[4 + i]);
    }
    return b;
  }

  /**
   * The Binding success response at {@code b[off, off+len)}, or null when it is not one or carries
   * no usable address. XOR-MAPPED-ADDRESS is preferred; MAPPED-ADDRESS is the fallback.
   */
  public static Response parseBindingResponse(byte[] b, int off, int len) {
    if (!looksLike(b, off, len) || be16(b, off) != BINDING_SUCCESS) {
      return null;
    }
    int attrs = be16(b, off + 2);
    if (attrs + HEADER > len) {
      return null;
    }
    byte[] tx = Arrays.copyOfRange(b, off + 8, off + HEADER);
    InetSocketAddress xor = null;
    InetSocketAddress plain = null;
    int p = off + HEADER;
    int end = p + attrs;
    while (end - p >= 4) {
      int type = be16(b, p);
      int alen = be16(b, p + 2);
      int v = p + 4;
      if (alen > end - v) {
        return null;
      }
      if (type == XOR_MAPPED_ADDRESS || type == XOR_MAPPED_ADDRESS_ALT) {
        InetSocketAddress a = address(b, v, alen, b, off + 4);
        if (a == null) {
          return null;
        }
        xor = a;
      } else if (type == MAPPED_ADDRESS) {
        InetSocketAddress a = address(b, v, alen, null, 0);
        if (a == null) {
          return null;
        }
        plain = a;
      }
      p = v + ((alen + 3) & ~3);
    }
    InetSocketAddress mapped = xor != null ? xor : plain;
    return mapped == null ? null : new Response(tx, mapped);
  }

  /**
   * An address attribute value; XORed with {@code mask[maskOff..]} (cookie then tx id) if given.
   */
  private static InetSocketAddress address(byte[] b, int v, int alen, byte[] mask, int maskOff) {
    if (alen < 4) {
      return null;
    }
    int n =
        switch (b[v + 1]) {
          case 1 -> 4;
          case 2 -> 16;
          default -> 0;
        };
    if (n == 0 || alen < 4 + n) {
      return null;
    }
    int port = be16(b, v + 2);
    byte[] ip = Arrays.copyOfRange(b, v + 4, v + 4 + n);
    if (mask != null) {
      port ^= MAGIC_COOKIE >>> 16;
      for (int i = 0; i < n; i++) {
        ip[i] ^= mask[maskOff + i];
      }
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static void header(byte[] b, int type, int attrLen, byte[] txId) {
    put16(b, 0, type);
    put16(b, 2, attrLen);
    b[4] = 0x21;
    b[5] = 0x12;
    b[6] = (byte) 0xA4;
    b[7] = 0x42;
    System.arraycopy(txId, 0, b, 8, TX_ID_LENGTH);
  }

  private static void checkTxId(byte[] txId) {
    if (txId == null || txId.length != TX_ID_LENGTH) {
      throw new IllegalArgumentException("a STUN transaction id is 12 bytes");
    }
  }

  private static int be16(byte[] b, int o) {
    return (b[o] & 0xff) << 8 | (b[o + 1] & 0xff);
  }

  private static int be32(byte[] b, int o) {
    return (b[o] & 0xff) << 24
        | (b[o + 1] & 0xff) << 16
        | (b[o + 2] & 0xff) << 8
        | (b[o + 3] & 0xff);
  }

  private static void put16(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 8);
    b[o + 1] = (byte) v;
  }
}
