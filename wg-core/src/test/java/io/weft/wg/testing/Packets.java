package io.weft.wg.testing;

import java.nio.ByteBuffer;

/** Builds small IP packets for tests. */
public final class Packets {
  private Packets() {}

  /** An IPv4/UDP packet from {@code src} to {@code dst} carrying {@code payload} (checksums 0). */
  public static byte[] udp4(byte[] src, byte[] dst, int sport, int dport, byte[] payload) {
    int total = 20 + 8 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(total);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) total)
        .putShort((short) 0)
        .putShort((short) 0);
    b.put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst);
    b.putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0);
    b.put(payload);
    return b.array();
  }

  /** An IPv6/UDP packet. */
  public static byte[] udp6(byte[] src, byte[] dst, int sport, int dport, byte[] payload) {
    int plen = 8 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(40 + plen);
    b.putInt(0x60000000).putShort((short) plen).put((byte) 17).put((byte) 64).put(src).put(dst);
    b.putShort((short) sport).putShort((short) dport).putShort((short) plen).putShort((short) 0);
    b.put(payload);
    return b.array();
  }

  /** IPv4 address bytes. */
  public static byte[] v4(int a, int b, int c, int d) {
    return new byte[] {(byte) a, (byte) b, (byte) c, (byte) d};
  }
}
