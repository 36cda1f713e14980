package io.weft.tun.offload;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_net_hdr} ({@code <linux/virtio_net.h>}): the 10 bytes a TUN opened with
 * {@code IFF_VNET_HDR} puts in front of every packet it reads and expects in front of every packet
 * written. Its 16-bit fields are little-endian (a TUN is little-endian unless told otherwise with
 * {@code TUNSETVNETBE}).
 */
public final class VirtioNetHdr {
  private VirtioNetHdr() {}

  /** The header's size, also what {@code TUNSETVNETHDRSZ} is given. */
  public static final int SIZE = 10;

  /** {@code flags}: the checksum at {@code csum_start + csum_offset} still needs completing. */
  public static final int F_NEEDS_CSUM = 1;

  /** {@code flags}: the checksum was already verified. */
  public static final int F_DATA_VALID = 2;

  public static final int GSO_NONE = 0;
  public static final int GSO_TCPV4 = 1;
  public static final int GSO_UDP = 3;
  public static final int GSO_TCPV6 = 4;
  public static final int GSO_UDP_L4 = 5;

  /** Bit of {@code gso_type}: the flow uses ECN (the first segment may carry CWR). */
  public static final int GSO_ECN = 0x80;

  public static final int FLAGS = 0;
  public static final int GSO_TYPE = 1;
  public static final int HDR_LEN = 2;
  public static final int GSO_SIZE = 4;
  public static final int CSUM_START = 6;
  public static final int CSUM_OFFSET = 8;

  private static final ValueLayout.OfShort LE16 =
      JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  public static int flags(MemorySegment m, long at) {
    return m.get(JAVA_BYTE, at + FLAGS) & 0xff;
  }

  public static int gsoType(MemorySegment m, long at) {
    return m.get(JAVA_BYTE, at + GSO_TYPE) & 0xff;
  }

  public static int hdrLen(MemorySegment m, long at) {
    return m.get(LE16, at + HDR_LEN) & 0xffff;
  }

  public static int gsoSize(MemorySegment m, long at) {
    return m.get(LE16, at + GSO_SIZE) & 0xffff;
  }

  public static int csumStart(MemorySegment m, long at) {
    return m.get(LE16, at + CSUM_START) & 0xffff;
  }

  public static int csumOffset(MemorySegment m, long at) {
    return m.get(LE16, at + CSUM_OFFSET) & 0xffff;
  }

  /** Writes all fields of a header at {@code at}. */
  public static void set(
      MemorySegment m,
      long at,
      int flags,
      int gsoType,
      int hdrLen,
      int gsoSize,
      int csumStart,
      int csumOffset) {
    m.set(JAVA_BYTE, at + FLAGS, (byte) flags);
    m.set(JAVA_BYTE, at + GSO_TYPE, (byte) gsoType);
    m.set(LE16, at + HDR_LEN, (short) hdrLen);
    m.set(LE16, at + GSO_SIZE, (short) gsoSize);
    m.set(LE16, at + CSUM_START, (short) csumStart);
    m.set(LE16, at + CSUM_OFFSET, (short) csumOffset);
  }

  /** Writes a header that says nothing: no GSO, checksum complete. */
  public static void setEmpty(MemorySegment m, long at) {
    set(m, at, 0, GSO_NONE, 0, 0, 0, 0);
  }
}
