package io.weft.netstack.linux;

import io.weft.netstack.NetStack;
import io.weft.netstack.NetStackConfig;
import io.weft.netstack.iface.InterfaceConfig;
import io.weft.netstack.wire.Checksum;
import io.weft.netstack.wire.IpAddress;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * For {@code bench/netstack-vs-kernel.sh}: opens TUN device {@code args[0]} with offloads ({@link
 * OffloadTun}: virtio header, checksum and TSO), bridges it to a netstack with addresses {@code
 * args[1]} (IPv4) and {@code args[2]} (IPv6) and MTU {@code args[3]}, and serves iperf3 on port
 * 5201 until killed. Prints {@code ready} once the device exists, so the script can move it into
 * its namespace.
 *
 * <p>One reader thread makes one FFM {@code read} per frame into native memory: the kernel's TCP
 * super-segments (up to 64 KB) arrive whole, their partial checksum is completed here, and the
 * stack takes them as single large segments. The stack's driver thread writes each outgoing packet
 * with one FFM {@code write} ({@link OffloadTunSink}): its TCP segments of up to 64 KB carry a GSO
 * header, and the kernel takes them as one super-segment.
 */
public final class NetstackIperf3Bridge {
  private NetstackIperf3Bridge() {}

  public static void main(String[] args) throws Exception {
    final OffloadTun tun = new OffloadTun(args[0]);
    final int mtu = Integer.parseInt(args[3]);
    final NetStackConfig config =
        NetStackConfig.of(
                InterfaceConfig.of(IpAddress.parse(args[1]), IpAddress.parse(args[2])).withMtu(mtu))
            .withReceiveQueue(256, 65535);
    final NetStack stack = new NetStack(config, new OffloadTunSink(tun));
    final Iperf3Server server = new Iperf3Server(stack.listenTcp(Iperf3Protocol.DEFAULT_PORT, 16));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    server.close();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  stack.close();
                }));
    System.out.println("ready");
    System.out.flush();
    final ByteBuffer in = tun.readBuffer();
    try {
      while (true) {
        final int n = tun.read();
        if (n > OffloadTun.VNET_HDR_LEN) {
          deliver(stack, in, n);
        }
      }
    } catch (IOException e) {
      System.err.println("tun closed: " + e.getMessage());
    }
  }

  /**
   * Completes a partial checksum the kernel left (VIRTIO_NET_HDR_F_NEEDS_CSUM) and delivers the
   * packet.
   */
  static void deliver(NetStack stack, ByteBuffer frame, int length) {
    completeChecksum(frame, length);
    stack.deliver(frame, OffloadTun.VNET_HDR_LEN, length - OffloadTun.VNET_HDR_LEN);
  }

  /** Completes the partial checksum of a frame read from an {@link OffloadTun}, if it has one. */
  static void completeChecksum(ByteBuffer frame, int length) {
    if ((frame.get(0) & OffloadTun.F_NEEDS_CSUM) != 0) {
      // virtio_net_hdr fields are in the machine's byte order (little-endian here).
      final int csumStart = Short.reverseBytes(frame.getShort(6)) & 0xFFFF;
      final int csumOffset = Short.reverseBytes(frame.getShort(8)) & 0xFFFF;
      Checksum.completePartial(frame, OffloadTun.VNET_HDR_LEN + csumStart, csumOffset, length);
    }
  }
}
