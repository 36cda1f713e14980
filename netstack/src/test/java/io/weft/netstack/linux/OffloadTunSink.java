package io.weft.netstack.linux;

import io.weft.netstack.phy.PacketSink;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes a stack's packets to an {@link OffloadTun}: packets up to the MTU behind a zeroed virtio
 * header, and TCP super-segments (up to 64 KB) with a GSO header ({@code VIRTIO_NET_HDR_GSO_TCPV4}
 * or {@code _TCPV6}, the segment size, {@code NEEDS_CSUM}: the stack leaves the pseudo-header sum
 * in the checksum field) so the kernel cuts them into MSS-sized segments, or takes them whole.
 * Driver thread only. Write errors lose the packet, as a link would.
 */
final class OffloadTunSink implements PacketSink {
  private final OffloadTun tun;
  private final ByteBuffer frame;

  OffloadTunSink(OffloadTun tun) {
    this.tun = tun;
    this.frame = tun.writeBuffer();
  }

  @Override
  public void send(ByteBuffer buffer, int offset, int length) {
    for (int i = 0; i < OffloadTun.VNET_HDR_LEN; i++) {
      frame.put(i, (byte) 0);
    }
    frame.put(OffloadTun.VNET_HDR_LEN, buffer, offset, length);
    write(length);
  }

  @Override
  public int maxSegmentedPacket() {
    return 65535;
  }

  @Override
  public void sendSegmented(ByteBuffer buffer, int offset, int length, int segmentSize) {
    final int h = OffloadTun.VNET_HDR_LEN;
    frame.put(h, buffer, offset, length);
    final boolean v4 = (frame.get(h) & 0xF0) == 0x40;
    final int ipLength = v4 ? (frame.get(h) & 0x0F) * 4 : 40;
    final int tcp = h + ipLength;
    final int tcpHeader = ((frame.get(tcp + 12) & 0xF0) >>> 4) * 4;
    // NEEDS_CSUM: the stack left the folded pseudo-header sum in the checksum field; the kernel
    // finishes it.
    frame.put(0, (byte) OffloadTun.F_NEEDS_CSUM);
    frame.put(1, (byte) (v4 ? OffloadTun.GSO_TCPV4 : OffloadTun.GSO_TCPV6));
    putLittleEndian(2, ipLength + tcpHeader); // hdr_len
    putLittleEndian(4, segmentSize); // gso_size
    putLittleEndian(6, ipLength); // csum_start
    putLittleEndian(8, 16); // csum_offset: the TCP checksum field
    write(length);
  }

  private void putLittleEndian(int at, int value) {
    frame.putShort(at, Short.reverseBytes((short) value));
  }

  private void write(int length) {
    try {
      tun.write(OffloadTun.VNET_HDR_LEN + length);
    } catch (IOException e) {
      // the packet is lost, like on any link
    }
  }
}
