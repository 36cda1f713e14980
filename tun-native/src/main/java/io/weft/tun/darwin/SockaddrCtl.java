package io.weft.tun.darwin;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over Darwin's {@code struct sockaddr_ctl} ({@code <sys/kern_control.h>}), the address a
 * kernel-control socket connects to: which control ({@code sc_id}) and which unit.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    sc_len     |   sc_family   |   ss_sysaddr (AF_SYS_CONTROL) |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         sc_id                                 |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         sc_unit                               |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  sc_reserved[5] (20 bytes)                    | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Multi-byte fields are in the host's byte order.
 */
public final class SockaddrCtl {
  public static final int LEN_OFFSET = 0;
  public static final int FAMILY_OFFSET = 1;
  public static final int SYSADDR_OFFSET = 2;
  public static final int ID_OFFSET = 4;
  public static final int UNIT_OFFSET = 8;

  /** {@code sizeof(struct sockaddr_ctl)}. */
  public static final int SIZE = 32;

  private ByteBuffer buffer;

  /** Wraps {@code buffer} from index 0; sets host byte order. */
  public SockaddrCtl wrap(ByteBuffer buffer) {
    if (buffer.capacity() < SIZE) {
      throw new IllegalArgumentException(
          "sockaddr_ctl needs " + SIZE + " bytes, buffer has " + buffer.capacity());
    }
    this.buffer = buffer.order(ByteOrder.nativeOrder());
    return this;
  }

  /** Fills in every field; {@code sc_len} is {@link #SIZE} and the reserved words are zero. */
  public SockaddrCtl set(int family, int sysaddr, int id, int unit) {
    buffer.put(LEN_OFFSET, (byte) SIZE);
    buffer.put(FAMILY_OFFSET, (byte) family);
    buffer.putShort(SYSADDR_OFFSET, (short) sysaddr);
    buffer.putInt(ID_OFFSET, id);
    buffer.putInt(UNIT_OFFSET, unit);
    for (int i = UNIT_OFFSET + 4; i < SIZE; i++) {
      buffer.put(i, (byte) 0);
    }
    return this;
  }

  /** {@code sc_unit}. */
  public int unit() {
    return buffer.getInt(UNIT_OFFSET);
  }

  /** {@code sc_id}. */
  public int id() {
    return buffer.getInt(ID_OFFSET);
  }
}
