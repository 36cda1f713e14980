package io.weft.netstack.wire;

import java.nio.ByteBuffer;

/**
 * Flyweight over an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443 section 2.1) message, with echo accessors
 * (RFC 792 "Echo or Echo Reply Message", RFC 4443 sections 4.1 and 4.2). Both versions share this
 * layout; they differ in type numbers and in that the ICMPv6 checksum covers the IPv6
 * pseudo-header.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Identifier          |        Sequence Number        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-
 * </pre>
 */
public final class IcmpEchoPacket {
  public static final int TYPE_OFFSET = 0;
  public static final int CODE_OFFSET = 1;
  public static final int CHECKSUM_OFFSET = 2;
  public static final int IDENTIFIER_OFFSET = 4;
  public static final int SEQUENCE_OFFSET = 6;
  public static final int HEADER_LENGTH = 8;

  public static final int V4_ECHO_REPLY = 0;
  public static final int V4_DESTINATION_UNREACHABLE = 3;
  public static final int V4_ECHO_REQUEST = 8;
  public static final int V6_DESTINATION_UNREACHABLE = 1;
  public static final int V6_PACKET_TOO_BIG = 2;
  public static final int V6_ECHO_REQUEST = 128;
  public static final int V6_ECHO_REPLY = 129;

  private ByteBuffer buffer;
  private int offset;
  private int length;

  public IcmpEchoPacket wrap(ByteBuffer buffer, int offset, int length) {
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    return this;
  }

  public int checkLength() {
    return length < HEADER_LENGTH ? WireStatus.TRUNCATED : WireStatus.OK;
  }

  public int type() {
    return buffer.get(offset + TYPE_OFFSET) & 0xFF;
  }

  public int code() {
    return buffer.get(offset + CODE_OFFSET) & 0xFF;
  }

  public int checksum() {
    return buffer.getShort(offset + CHECKSUM_OFFSET) & 0xFFFF;
  }

  public int identifier() {
    return buffer.getShort(offset + IDENTIFIER_OFFSET) & 0xFFFF;
  }

  public int sequence() {
    return buffer.getShort(offset + SEQUENCE_OFFSET) & 0xFFFF;
  }

  public int length() {
    return length;
  }

  public int dataOffset() {
    return offset + HEADER_LENGTH;
  }

  public int dataLength() {
    return length - HEADER_LENGTH;
  }

  /** Verifies the checksum; {@code pseudoHeader} is 0 for ICMPv4. */
  public boolean verifyChecksum(long pseudoHeader) {
    return Checksum.fold(Checksum.sum(buffer, offset, length, pseudoHeader)) == 0xFFFF;
  }

  /** Writes type, code, identifier and sequence; the data must already be in place. */
  public void emitEcho(int type, int identifier, int sequence) {
    buffer.put(offset + TYPE_OFFSET, (byte) type);
    buffer.put(offset + CODE_OFFSET, (byte) 0);
    buffer.putShort(offset + IDENTIFIER_OFFSET, (short) identifier);
    buffer.putShort(offset + SEQUENCE_OFFSET, (short) sequence);
  }

  public void setType(int type) {
    buffer.put(offset + TYPE_OFFSET, (byte) type);
  }

  public void setCode(int code) {
    buffer.put(offset + CODE_OFFSET, (byte) code);
  }

  /** Computes the checksum over the whole message plus {@code pseudoHeader} (0 for ICMPv4). */
  public void fillChecksum(long pseudoHeader) {
    buffer.putShort(offset + CHECKSUM_OFFSET, (short) 0);
    buffer.putShort(
        offset + CHECKSUM_OFFSET,
        (short) Checksum.finish(Checksum.sum(buffer, offset, length, pseudoHeader)));
  }
}
