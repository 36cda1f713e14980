package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over a UDP header (RFC 768).
 *
 * <pre>
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |   Source Port   | Destination Port|
 * +--------+--------+--------+--------+
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 * |          data octets ...
 * +---------------- ...
 * </pre>
 *
 * Length covers header and data; bytes beyond it are ignored. A zero checksum means "not computed"
 * (allowed over IPv4 only); a computed zero is sent as 0xFFFF.
 */
public final class UdpPacket {
  public static final int SOURCE_PORT_OFFSET = 0;
  public static final int DESTINATION_PORT_OFFSET = 2;
  public static final int LENGTH_OFFSET = 4;
  public static final int CHECKSUM_OFFSET = 6;
  public static final int HEADER_LENGTH = 8;

  private ByteBuffer buffer;
  private int offset;
  private int length;

  public UdpPacket wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  public int checkLength() {
    if (length < HEADER_LENGTH) {
      return WireStatus.TRUNCATED;
    }
    final int udpLength = buffer.getShort(offset + LENGTH_OFFSET) & 0xFFFF;
    if (udpLength < HEADER_LENGTH) {
      return WireStatus.MALFORMED;
    }
    return udpLength > length ? WireStatus.TRUNCATED : WireStatus.OK;
  }

  public int sourcePort() {
    return buffer.getShort(offset + SOURCE_PORT_OFFSET) & 0xFFFF;
  }

  public int destinationPort() {
    return buffer.getShort(offset + DESTINATION_PORT_OFFSET) & 0xFFFF;
  }

  /** The Length field: header plus data. */
  public int udpLength() {
    return buffer.getShort(offset + LENGTH_OFFSET) & 0xFFFF;
  }

  public int checksum() {
    return buffer.getShort(offset + CHECKSUM_OFFSET) & 0xFFFF;
  }

  public int payloadOffset() {
    return offset + HEADER_LENGTH;
  }

  public int payloadLength() {
    return udpLength() - HEADER_LENGTH;
  }

  /** Verifies against the pseudo-header sum; a zero checksum passes only if {@code zeroAllowed}. */
  public boolean verifyChecksum(long pseudoHeader, boolean zeroAllowed) {
    if (checksum() == 0) {
      return zeroAllowed;
    }
    return Checksum.fold(Checksum.sum(buffer, offset, udpLength(), pseudoHeader)) == 0xFFFF;
  }

  /** Writes the header; the payload must already follow it. */
  public void emit(int sourcePort, int destinationPort, int payloadLength) {
    buffer.putShort(offset + SOURCE_PORT_OFFSET, (short) sourcePort);
    buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short) destinationPort);
    buffer.putShort(offset + LENGTH_OFFSET, (short) (HEADER_LENGTH + payloadLength));
  }

  public void fillChecksum(long pseudoHeader) {
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
    int c = Checksum.finish(Checksum.sum(buffer, offset, udpLength(), pseudoHeader));
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) (c == 0 ? 0xFFFF : c));
  }
}
