package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an IPv4 header (RFC 791 section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|     Fragment Offset     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options (IHL > 5)          |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Flags are reserved, DF (don't fragment) and MF (more fragments); the fragment offset counts
 * 8-byte units. Bytes after Total Length (link padding) are ignored.
 */
public final class Ipv4Packet {
  public static final int VERSION_IHL_OFFSET = 0;
  public static final int TOS_OFFSET = 1;
  public static final int TOTAL_LENGTH_OFFSET = 2;
  public static final int IDENTIFICATION_OFFSET = 4;
  public static final int FLAGS_FRAGMENT_OFFSET = 6;
  public static final int TTL_OFFSET = 8;
  public static final int PROTOCOL_OFFSET = 9;
  public static final int CHECKSUM_OFFSET = 10;
  public static final int SOURCE_OFFSET = 12;
  public static final int DESTINATION_OFFSET = 16;
  public static final int MIN_HEADER_LENGTH = 20;
  public static final int MAX_TOTAL_LENGTH = 65535;

  private static final int FLAG_DF = 0x4000;
  private static final int FLAG_MF = 0x2000;
  private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

  private ByteBuffer buffer;
  private int offset;
  private int length;

  /** Points this flyweight at {@code length} bytes of {@code buffer} from {@code offset}. */
  public Ipv4Packet wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** Validates version, header length and total length against the bytes present. */
  public int checkLength() {
    if (length < MIN_HEADER_LENGTH) {
      return WireStatus.TRUNCATED;
    }
    final int vihl = buffer.get(offset) & 0xFF;
    if ((vihl >>> 4) != 4) {
      return WireStatus.MALFORMED;
    }
    final int headerLength = (vihl & 0x0F) * 4;
    if (headerLength < MIN_HEADER_LENGTH) {
      return WireStatus.MALFORMED;
    }
    final int total = buffer.getShort(offset + TOTAL_LENGTH_OFFSET) & 0xFFFF;
    if (total < headerLength) {
      return WireStatus.MALFORMED;
    }
    if (total > length || headerLength > length) {
      return WireStatus.TRUNCATED;
    }
    return WireStatus.OK;
  }

  /** True when the header checksum verifies. */
  public boolean verifyChecksum() {
    return Checksum.fold(Checksum.sum(buffer, offset, headerLength(), 0)) == 0xFFFF;
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  public int offset() {
    return offset;
  }

  public int version() {
    return (buffer.get(offset) & 0xFF) >>> 4;
  }

  /** Header length in bytes (IHL * 4). */
  public int headerLength() {
    return (buffer.get(offset) & 0x0F) * 4;
  }

  public int tos() {
    return buffer.get(offset + TOS_OFFSET) & 0xFF;
  }

  public int totalLength() {
    return buffer.getShort(offset + TOTAL_LENGTH_OFFSET) & 0xFFFF;
  }

  public int identification() {
    return buffer.getShort(offset + IDENTIFICATION_OFFSET) & 0xFFFF;
  }

  public boolean dontFragment() {
    return (buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET) & FLAG_DF) != 0;
  }

  public boolean moreFragments() {
    return (buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET) & FLAG_MF) != 0;
  }

  /** Fragment offset in bytes. */
  public int fragmentOffset() {
    return (buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET) & FRAGMENT_OFFSET_MASK) * 8;
  }

  /** True for any fragment of a larger datagram. */
  public boolean isFragment() {
    return moreFragments() || fragmentOffset() != 0;
  }

  public int ttl() {
    return buffer.get(offset + TTL_OFFSET) & 0xFF;
  }

  public int protocol() {
    return buffer.get(offset + PROTOCOL_OFFSET) & 0xFF;
  }

  public int checksum() {
    return buffer.getShort(offset + CHECKSUM_OFFSET) & 0xFFFF;
  }

  public int source() {
    return buffer.getInt(offset + SOURCE_OFFSET);
  }

  public int destination() {
    return buffer.getInt(offset + DESTINATION_OFFSET);
  }

  /** Absolute buffer index of the payload. */
  public int payloadOffset() {
    return offset + headerLength();
  }

  public int payloadLength() {
    return totalLength() - headerLength();
  }

  /**
   * Writes a 20-byte header without options and fills its checksum. The payload must follow at
   * {@code offset + 20}.
   */
  public void emit(
      int source,
      int destination,
      int protocol,
      int payloadLength,
      int identification,
      boolean dontFragment,
      int ttl) {
    buffer.put(offset, (byte) 0x45);
    buffer.put(offset + TOS_OFFSET, (byte) 0);
    buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short) (MIN_HEADER_LENGTH + payloadLength));
    buffer.putShort(offset + IDENTIFICATION_OFFSET, (short) identification);
    buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short) (dontFragment ? FLAG_DF : 0));
    buffer.put(offset + TTL_OFFSET, (byte) ttl);
    buffer.put(offset + PROTOCOL_OFFSET, (byte) protocol);
    buffer.putInt(offset + SOURCE_OFFSET, source);
    buffer.putInt(offset + DESTINATION_OFFSET, destination);
    fillChecksum();
  }

  /**
   * Sets the fragmentation fields (offset in bytes, a multiple of 8) and refreshes the checksum.
   */
  public void setFragment(boolean moreFragments, int fragmentOffsetBytes) {
    int v =
        (buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET) & FLAG_DF)
            | (moreFragments ? FLAG_MF : 0)
            | ((fragmentOffsetBytes / 8) & FRAGMENT_OFFSET_MASK);
    buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short) v);
    fillChecksum();
  }

  public void setTotalLength(int total) {
    buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short) total);
  }

  /** Recomputes the header checksum. */
  public void fillChecksum() {
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(
        offset + CHECKSUM_OFFSET,
        (short) Checksum.finish(Checksum.sum(buffer, offset, headerLength(), 0)));
  }
}
