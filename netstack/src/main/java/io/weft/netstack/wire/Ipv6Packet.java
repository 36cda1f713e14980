package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an IPv6 header (RFC 8200 section 3) that also walks the extension header chain
 * (RFC 8200 section 4) to find the upper-layer protocol.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Source Address (128 bits)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Destination Address (128 bits)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Hop-by-hop, routing and destination options headers are skipped by their length byte ((len + 1) *
 * 8 bytes), authentication headers by (len + 2) * 4 bytes. A fragment header (section 4.5) is
 * skipped only for atomic fragments (offset 0, M clear); other fragments give {@link
 * WireStatus#UNSUPPORTED}. The chain is bounded to {@value #MAX_EXTENSION_HEADERS} headers.
 */
public final class Ipv6Packet {
  public static final int VERSION_CLASS_FLOW_OFFSET = 0;
  public static final int PAYLOAD_LENGTH_OFFSET = 4;
  public static final int NEXT_HEADER_OFFSET = 6;
  public static final int HOP_LIMIT_OFFSET = 7;
  public static final int SOURCE_OFFSET = 8;
  public static final int DESTINATION_OFFSET = 24;
  public static final int HEADER_LENGTH = 40;
  public static final int MAX_EXTENSION_HEADERS = 8;

  private ByteBuffer buffer;
  private int offset;
  private int length;
  private int upperProtocol;
  private int upperOffset;
  private boolean fragment;

  public Ipv6Packet wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    this.upperProtocol = -1;
    this.upperOffset = offset + HEADER_LENGTH;
    this.fragment = false;
    return this;
  }

  /** Validates the fixed header and payload length, then walks the extension headers. */
  public int checkLength() {
    if (length < HEADER_LENGTH) {
      return WireStatus.TRUNCATED;
    }
    if (((buffer.get(offset) & 0xFF) >>> 4) != 6) {
      return WireStatus.MALFORMED;
    }
    final int end = offset + HEADER_LENGTH + payloadLength();
    if (HEADER_LENGTH + payloadLength() > length) {
      return WireStatus.TRUNCATED;
    }
    int next = buffer.get(offset + NEXT_HEADER_OFFSET) & 0xFF;
    int at = offset + HEADER_LENGTH;
    for (int i = 0; i <= MAX_EXTENSION_HEADERS; i++) {
      final int extLength;
      switch (next) {
        case IpProtocol.HOP_BY_HOP,
            IpProtocol.IPV6_ROUTING,
            IpProtocol.IPV6_DESTINATION_OPTIONS -> {
          if (at + 2 > end) {
            return WireStatus.TRUNCATED;
          }
          extLength = ((buffer.get(at + 1) & 0xFF) + 1) * 8;
        }
        case IpProtocol.AUTHENTICATION -> {
          if (at + 2 > end) {
            return WireStatus.TRUNCATED;
          }
          extLength = ((buffer.get(at + 1) & 0xFF) + 2) * 4;
        }
        case IpProtocol.IPV6_FRAGMENT -> {
          if (at + 8 > end) {
            return WireStatus.TRUNCATED;
          }
          if ((buffer.getShort(at + 2) & 0xFFF9) != 0) {
            fragment = true;
            return WireStatus.UNSUPPORTED;
          }
          extLength = 8;
        }
        default -> {
          upperProtocol = next;
          upperOffset = at;
          return WireStatus.OK;
        }
      }
      if (at + extLength > end) {
        return WireStatus.TRUNCATED;
      }
      next = buffer.get(at) & 0xFF;
      at += extLength;
    }
    return WireStatus.UNSUPPORTED;
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

  public int trafficClass() {
    return (buffer.getShort(offset) >>> 4) & 0xFF;
  }

  public int flowLabel() {
    return buffer.getInt(offset) & 0x000F_FFFF;
  }

  public int payloadLength() {
    return buffer.getShort(offset + PAYLOAD_LENGTH_OFFSET) & 0xFFFF;
  }

  public int nextHeader() {
    return buffer.get(offset + NEXT_HEADER_OFFSET) & 0xFF;
  }

  public int hopLimit() {
    return buffer.get(offset + HOP_LIMIT_OFFSET) & 0xFF;
  }

  public long sourceHi() {
    return buffer.getLong(offset + SOURCE_OFFSET);
  }

  public long sourceLo() {
    return buffer.getLong(offset + SOURCE_OFFSET + 8);
  }

  public long destinationHi() {
    return buffer.getLong(offset + DESTINATION_OFFSET);
  }

  public long destinationLo() {
    return buffer.getLong(offset + DESTINATION_OFFSET + 8);
  }

  /**
   * True when {@link #checkLength} stopped at the fragment header of a non-atomic fragment (and
   * returned {@link WireStatus#UNSUPPORTED}): the fixed header and the chain up to the fragment
   * header are present and the packet is for the reassembler.
   */
  public boolean isFragment() {
    return fragment;
  }

  /** Upper-layer protocol after extension headers (valid after a successful checkLength). */
  public int upperProtocol() {
    return upperProtocol;
  }

  /** Absolute buffer index of the upper-layer header. */
  public int upperOffset() {
    return upperOffset;
  }

  /** Bytes of upper-layer data (header included). */
  public int upperLength() {
    return offset + HEADER_LENGTH + payloadLength() - upperOffset;
  }

  /** Writes a 40-byte header with no extension headers. */
  public void emit(
      IpAddress source, IpAddress destination, int nextHeader, int payloadLength, int hopLimit) {
    buffer.putInt(offset, 0x6000_0000);
    buffer.putShort(offset + PAYLOAD_LENGTH_OFFSET, (short) payloadLength);
    buffer.put(offset + NEXT_HEADER_OFFSET, (byte) nextHeader);
    buffer.put(offset + HOP_LIMIT_OFFSET, (byte) hopLimit);
    buffer.putLong(offset + SOURCE_OFFSET, source.hi());
    buffer.putLong(offset + SOURCE_OFFSET + 8, source.lo());
    buffer.putLong(offset + DESTINATION_OFFSET, destination.hi());
    buffer.putLong(offset + DESTINATION_OFFSET + 8, destination.lo());
    this.upperProtocol = nextHeader;
    this.upperOffset = offset + HEADER_LENGTH;
  }
}
