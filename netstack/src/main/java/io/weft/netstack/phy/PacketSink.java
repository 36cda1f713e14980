package io.weft.netstack.phy;

import java.nio.ByteBuffer;

/**
 * Where a stack's outgoing IP packets go. The packet is bytes {@code [offset, offset + length)} of
 * {@code buffer}, which the caller reuses as soon as this returns: implementations copy.
 */
@FunctionalInterface
public interface PacketSink {
  void send(ByteBuffer buffer, int offset, int length);

  /**
   * The largest TCP packet this sink takes for segmentation offload (GSO/TSO): above the MTU it
   * receives {@link #sendSegmented} calls and splits each packet into segments of the given payload
   * size (in a TUN with {@code IFF_VNET_HDR}, the kernel does it). 0, the default, means every
   * packet fits the MTU.
   */
  default int maxSegmentedPacket() {
    return 0;
  }

  /**
   * A TCP packet larger than the MTU (only when {@link #maxSegmentedPacket} allows it), whose
   * payload is to be cut into {@code segmentSize}-byte segments, each with copies of the IP and TCP
   * headers, the sequence number advanced and the checksums filled in. The TCP checksum field holds
   * only the folded pseudo-header sum (for the whole packet's length), as with CHECKSUM_PARTIAL:
   * {@link io.weft.netstack.wire.Checksum#completePartial} finishes it.
   */
  default void sendSegmented(ByteBuffer buffer, int offset, int length, int segmentSize) {
    throw new UnsupportedOperationException("this sink takes only packets up to the MTU");
  }
}
