package io.weft.agent.filter;

import io.weft.agent.pipeline.PacketPipeline;
import io.weft.wg.tun.Tun;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A {@link PacketFilter} in a real {@link PacketPipeline} over a one-packet TUN double: {@link #in}
 * is a decrypted packet from a peer (true when it reached the OS), {@link #out} one the OS sends.
 * Packet builders for IPv4 and IPv6 (checksums are not checked by the filter).
 */
final class FilterHarness {
  static final int OFFSET = 16;
  static final int SYN = 0x02;
  static final int ACK = 0x10;

  final PacketFilter filter;
  final OneTun tun = new OneTun();
  final PacketPipeline pipeline = new PacketPipeline(tun);
  final ByteBuffer[] one = {ByteBuffer.allocate(2048)};
  final ByteBuffer[] readBufs = {ByteBuffer.allocate(2048)};
  final int[] sizes = new int[1];

  FilterHarness(PacketFilter filter) {
    this.filter = filter;
    pipeline.setFilter(filter.inbound(), filter.outbound());
  }

  static final class OneTun implements Tun {
    final ArrayDeque<byte[]> fromOs = new ArrayDeque<>();
    long written;

    @Override
    public int read(ByteBuffer[] bufs, int[] sizes, int offset) {
      byte[] p = fromOs.poll();
      bufs[0].put(offset, p);
      sizes[0] = p.length;
      return 1;
    }

    @Override
    public int write(ByteBuffer[] bufs, int count, int offset) {
      written += count;
      return count;
    }

    @Override
    public int batchSize() {
      return 1;
    }

    @Override
    public int mtu() {
      return 1280;
    }

    @Override
    public String name() {
      return "one";
    }

    @Override
    public boolean wakeup() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Writes {@code p} as if a peer sent it; whether the filter let it through to the OS. */
  boolean in(byte[] p) throws IOException {
    long before = tun.written;
    one[0].clear().put(OFFSET, p).limit(OFFSET + p.length);
    pipeline.write(one, 1, OFFSET);
    return tun.written > before;
  }

  /** Passes {@code p} out as if the OS sent it. */
  void out(byte[] p) throws IOException {
    tun.fromOs.add(p);
    if (pipeline.read(readBufs, sizes, OFFSET) != 1) {
      throw new AssertionError("outbound packet not passed");
    }
  }

  static InetAddress ip(String s) {
    return InetAddress.ofLiteral(s);
  }

  static byte[] ipPacket(InetAddress src, InetAddress dst, int proto, byte[] payload) {
    byte[] s = src.getAddress();
    byte[] d = dst.getAddress();
    if (s.length == 4) {
      ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
      b.put((byte) 0x45)
          .put((byte) 0)
          .putShort((short) (20 + payload.length))
          .putInt(0)
          .put((byte) 64)
          .put((byte) proto)
          .putShort((short) 0)
          .put(s)
          .put(d)
          .put(payload);
      return b.array();
    }
    ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
    b.putInt(0x60000000)
        .putShort((short) payload.length)
        .put((byte) proto)
        .put((byte) 64)
        .put(s)
        .put(d)
        .put(payload);
    return b.array();
  }

  static byte[] tcp(InetAddress src, int sport, InetAddress dst, int dport, int flags) {
    ByteBuffer t = ByteBuffer.allocate(20);
    t.putShort((short) sport)
        .putShort((short) dport)
        .putInt(1)
        .putInt(0)
        .put((byte) 0x50)
        .put((byte) flags)
        .putShort((short) 65535)
        .putInt(0);
    return ipPacket(src, dst, 6, t.array());
  }

  static byte[] udp(InetAddress src, int sport, InetAddress dst, int dport) {
    ByteBuffer u = ByteBuffer.allocate(9);
    u.putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) 9)
        .putShort((short) 0)
        .put((byte) 1);
    return ipPacket(src, dst, 17, u.array());
  }

  /** An echo request (reply false) or reply with {@code id}. */
  static byte[] echo(InetAddress src, InetAddress dst, boolean reply, int id) {
    boolean v4 = src.getAddress().length == 4;
    int type = v4 ? (reply ? 0 : 8) : (reply ? 129 : 128);
    ByteBuffer e = ByteBuffer.allocate(8);
    e.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) 1);
    return ipPacket(src, dst, v4 ? 1 : 58, e.array());
  }

  static byte[] proto(InetAddress src, InetAddress dst, int proto) {
    return ipPacket(src, dst, proto, new byte[8]);
  }
}
