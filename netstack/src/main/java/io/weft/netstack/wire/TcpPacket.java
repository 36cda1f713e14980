package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over a TCP header (RFC 9293 section 3.1).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * {@link #wrap} takes the whole segment (header and data) as delimited by the IP layer.
 */
public final class TcpPacket {
  public static final int SOURCE_PORT_OFFSET = 0;
  public static final int DESTINATION_PORT_OFFSET = 2;
  public static final int SEQUENCE_OFFSET = 4;
  public static final int ACKNOWLEDGMENT_OFFSET = 8;
  public static final int DATA_OFFSET_OFFSET = 12;
  public static final int FLAGS_OFFSET = 13;
  public static final int WINDOW_OFFSET = 14;
  public static final int CHECKSUM_OFFSET = 16;
  public static final int URGENT_OFFSET = 18;
  public static final int MIN_HEADER_LENGTH = 20;
  public static final int MAX_HEADER_LENGTH = 60;

  public static final int FIN = 0x01;
  public static final int SYN = 0x02;
  public static final int RST = 0x04;
  public static final int PSH = 0x08;
  public static final int ACK = 0x10;
  public static final int URG = 0x20;
  public static final int ECE = 0x40;
  public static final int CWR = 0x80;

  private ByteBuffer buffer;
  private int offset;
  private int length;

  public TcpPacket wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * Validates the data offset against the segment length. Options are checked by {@link
   * #parseOptions}.
   */
  public int checkLength() {
    if (length < MIN_HEADER_LENGTH) {
      return WireStatus.TRUNCATED;
    }
    final int headerLength = headerLength();
    if (headerLength < MIN_HEADER_LENGTH) {
      return WireStatus.MALFORMED;
    }
    return headerLength > length ? WireStatus.TRUNCATED : WireStatus.OK;
  }

  public ByteBuffer buffer() {
    return buffer;
  }

  public int offset() {
    return offset;
  }

  /** Segment length: header plus data. */
  public int length() {
    return length;
  }

  public int sourcePort() {
    return buffer.getShort(offset + SOURCE_PORT_OFFSET) & 0xFFFF;
  }

  public int destinationPort() {
    return buffer.getShort(offset + DESTINATION_PORT_OFFSET) & 0xFFFF;
  }

  public int sequence() {
    return buffer.getInt(offset + SEQUENCE_OFFSET);
  }

  public int acknowledgment() {
    return buffer.getInt(offset + ACKNOWLEDGMENT_OFFSET);
  }

  public int headerLength() {
    return ((buffer.get(offset + DATA_OFFSET_OFFSET) & 0xFF) >>> 4) * 4;
  }

  public int flags() {
    return buffer.get(offset + FLAGS_OFFSET) & 0xFF;
  }

  public boolean has(int flag) {
    return (flags() & flag) != 0;
  }

  public int window() {
    return buffer.getShort(offset + WINDOW_OFFSET) & 0xFFFF;
  }

  public int checksum() {
    return buffer.getShort(offset + CHECKSUM_OFFSET) & 0xFFFF;
  }

  public int urgentPointer() {
    return buffer.getShort(offset + URGENT_OFFSET) & 0xFFFF;
  }

  public int payloadOffset() {
    return offset + headerLength();
  }

  public int payloadLength() {
    return length - headerLength();
  }

  /** Sequence space the segment occupies: data plus one each for SYN and FIN. */
  public int segmentLength() {
    int flags = flags();
    return payloadLength() + ((flags & SYN) != 0 ? 1 : 0) + ((flags & FIN) != 0 ? 1 : 0);
  }

  public boolean verifyChecksum(long pseudoHeader) {
    return Checksum.fold(Checksum.sum(buffer, offset, length, pseudoHeader)) == 0xFFFF;
  }

  /**
   * Parses the options area into {@code out} (cleared first). Unknown kinds are skipped by their
   * length; a length below 2 or past the header is {@link WireStatus#MALFORMED}, as is a known kind
   * with the wrong length.
   */
  public int parseOptions(TcpOptions out) {
    out.clear();
    int at = offset + MIN_HEADER_LENGTH;
    final int end = offset + headerLength();
    while (at < end) {
      final int kind = buffer.get(at) & 0xFF;
      if (kind == TcpOptions.KIND_END) {
        break;
      }
      if (kind == TcpOptions.KIND_NOP) {
        at++;
        continue;
      }
      if (at + 1 >= end) {
        return WireStatus.MALFORMED;
      }
      final int len = buffer.get(at + 1) & 0xFF;
      if (len < 2 || at + len > end) {
        return WireStatus.MALFORMED;
      }
      switch (kind) {
        case TcpOptions.KIND_MSS -> {
          if (len != 4) {
            return WireStatus.MALFORMED;
          }
          out.mss = buffer.getShort(at + 2) & 0xFFFF;
        }
        case TcpOptions.KIND_WINDOW_SCALE -> {
          if (len != 3) {
            return WireStatus.MALFORMED;
          }
          out.windowScale = Math.min(buffer.get(at + 2) & 0xFF, TcpOptions.MAX_WINDOW_SCALE);
        }
        case TcpOptions.KIND_SACK_PERMITTED -> {
          if (len != 2) {
            return WireStatus.MALFORMED;
          }
          out.sackPermitted = true;
        }
        case TcpOptions.KIND_SACK -> {
          if ((len - 2) % 8 != 0) {
            return WireStatus.MALFORMED;
          }
          for (int b = at + 2; b < at + len; b += 8) {
            out.addSackBlock(buffer.getInt(b), buffer.getInt(b + 4));
          }
        }
        case TcpOptions.KIND_TIMESTAMPS -> {
          if (len != 10) {
            return WireStatus.MALFORMED;
          }
          out.timestamps = true;
          out.tsVal = buffer.getInt(at + 2);
          out.tsEcr = buffer.getInt(at + 6);
        }
        default -> {
          // Unknown options are skipped (RFC 9293 section 3.1, MUST-6).
        }
      }
      at += len;
    }
    return WireStatus.OK;
  }

  /**
   * Writes the fixed header and {@code options}; returns the header length. The caller places the
   * data at {@code offset + returned length} and then calls {@link #fillChecksum}.
   */
  public int emit(
      int sourcePort,
      int destinationPort,
      int sequence,
      int acknowledgment,
      int flags,
      int window,
      TcpOptions options) {
    final int headerLength = MIN_HEADER_LENGTH + (options == null ? 0 : writeOptions(options));
    buffer.putShort(offset + SOURCE_PORT_OFFSET, (short) sourcePort);
    buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short) destinationPort);
    buffer.putInt(offset + SEQUENCE_OFFSET, sequence);
    buffer.putInt(offset + ACKNOWLEDGMENT_OFFSET, acknowledgment);
    buffer.put(offset + DATA_OFFSET_OFFSET, (byte) ((headerLength / 4) << 4));
    buffer.put(offset + FLAGS_OFFSET, (byte) flags);
    buffer.putShort(offset + WINDOW_OFFSET, (short) window);
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(offset + URGENT_OFFSET, (short) 0);
    return headerLength;
  }

  /**
   * Writes options after the fixed header in Linux's order, padded with NOPs; returns their length.
   */
  private int writeOptions(TcpOptions o) {
    int at = offset + MIN_HEADER_LENGTH;
    if (o.mss != 0) {
      buffer.putShort(at, (short) 0x0204);
      buffer.putShort(at + 2, (short) o.mss);
      at += 4;
    }
    if (o.sackPermitted && o.timestamps) {
      buffer.putShort(at, (short) 0x0402);
      at = writeTimestamps(at + 2, o);
    } else if (o.timestamps) {
      buffer.putShort(at, (short) 0x0101);
      at = writeTimestamps(at + 2, o);
    } else if (o.sackPermitted) {
      buffer.putInt(at, 0x0101_0402);
      at += 4;
    }
    if (o.windowScale >= 0) {
      buffer.putInt(at, 0x0103_0300 | o.windowScale);
      at += 4;
    }
    if (o.sackBlocks > 0) {
      buffer.putShort(at, (short) 0x0101);
      buffer.put(at + 2, (byte) TcpOptions.KIND_SACK);
      buffer.put(at + 3, (byte) (2 + 8 * o.sackBlocks));
      at += 4;
      for (int i = 0; i < o.sackBlocks; i++) {
        buffer.putInt(at, o.sackLeft[i]);
        buffer.putInt(at + 4, o.sackRight[i]);
        at += 8;
      }
    }
    return at - offset - MIN_HEADER_LENGTH;
  }

  private int writeTimestamps(int at, TcpOptions o) {
    buffer.put(at, (byte) TcpOptions.KIND_TIMESTAMPS);
    buffer.put(at + 1, (byte) 10);
    buffer.putInt(at + 2, o.tsVal);
    buffer.putInt(at + 6, o.tsEcr);
    return at + 10;
  }

  /** Sets the segment length this flyweight covers (after the caller appended data). */
  public void setLength(int length) {
    this.length = length;
  }

  public void fillChecksum(long pseudoHeader) {
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(
        offset + CHECKSUM_OFFSET,
        (short) Checksum.finish(Checksum.sum(buffer, offset, length, pseudoHeader)));
  }

  /**
   * Leaves the checksum for whoever segments this packet (CHECKSUM_PARTIAL, a TUN's {@code
   * VIRTIO_NET_HDR_F_NEEDS_CSUM}): the field holds the folded pseudo-header sum, and {@link
   * Checksum#completePartial} over the segment finishes it.
   */
  public void fillPartialChecksum(long pseudoHeader) {
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) Checksum.fold(pseudoHeader));
  }
}
