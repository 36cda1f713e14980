package io.weft.bench.tun;

import io.weft.netstack.wire.Checksum;
import io.weft.testing.netns.NetworkNamespace;
import io.weft.tun.linux.IpRoute2;
import io.weft.tun.linux.LinuxTun;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link LinuxTun} at {@code 10.202.0.1/24} in a network namespace of its own, with IPv6 off (so
 * the kernel sends nothing unasked) and forwarding off (so packets to other addresses are dropped
 * without a reply), plus the packets the benchmarks write.
 */
final class TunInNamespace implements AutoCloseable {
  static final int MTU = 1420;
  static final int OFFSET = 16;

  final NetworkNamespace ns;
  final LinuxTun tun;

  TunInNamespace() throws Exception {
    ns =
        NetworkNamespace.create(
            "weft-tun-bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    try {
      tun =
          ns.call(
              () -> {
                Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1");
                final LinuxTun t = LinuxTun.open("wtb%d", MTU);
                IpRoute2.addAddress(t.name(), "10.202.0.1/24");
                return t;
              });
    } catch (Exception e) {
      ns.close();
      throw e;
    }
  }

  /** A 1400-byte IPv4/UDP packet to 10.202.1.1, which has no route: the kernel drops it. */
  static byte[] droppedUdp() throws IOException {
    return ipv4(address("10.202.0.2"), address("10.202.1.1"), 17, new byte[1400 - 20]);
  }

  /** An ICMP echo request from the "peer" 10.202.0.2 to the TUN's own address, 64 bytes of data. */
  static byte[] echoRequest() throws IOException {
    final byte[] icmp = new byte[8 + 64];
    icmp[0] = 8;
    icmp[4] = 0x12;
    icmp[5] = 0x34;
    final short sum = checksum(icmp, 0, icmp.length);
    icmp[2] = (byte) (sum >> 8);
    icmp[3] = (byte) sum;
    return ipv4(address("10.202.0.2"), address("10.202.0.1"), 1, icmp);
  }

  private static byte[] ipv4(byte[] src, byte[] dst, int protocol, byte[] payload) {
    final int length = 20 + payload.length;
    final ByteBuffer b = ByteBuffer.allocate(length);
    b.put((byte) 0x45).put((byte) 0).putShort((short) length).putInt(0);
    b.put((byte) 64).put((byte) protocol).putShort((short) 0).put(src).put(dst).put(payload);
    b.putShort(10, checksum(b.array(), 0, 20));
    return b.array();
  }

  private static short checksum(byte[] b, int from, int length) {
    return (short) Checksum.finish(Checksum.sum(b, from, length, 0));
  }

  private static byte[] address(String dotted) throws IOException {
    return InetAddress.getByName(dotted).getAddress();
  }

  @Override
  public void close() throws IOException {
    try {
      tun.close();
    } finally {
      ns.close();
    }
  }
}
