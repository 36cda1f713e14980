package io.weft.tun.darwin;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over Darwin's {@code struct ctl_info} ({@code <sys/kern_control.h>}), the argument of
 * {@code CTLIOCGINFO}: the caller fills in the control's name, the kernel its id.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     ctl_id (u_int32_t)                        |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          ctl_name[96], NUL-terminated (MAX_KCTL_NAME)         |  4
 * |                             ...                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class CtlInfo {
  public static final int ID_OFFSET = 0;
  public static final int NAME_OFFSET = 4;

  /** {@code MAX_KCTL_NAME}. */
  public static final int NAME_SIZE = 96;

  /** {@code sizeof(struct ctl_info)}. */
  public static final int SIZE = NAME_OFFSET + NAME_SIZE;

  private ByteBuffer buffer;

  /** Wraps {@code buffer} from index 0; sets host byte order. */
  public CtlInfo wrap(ByteBuffer buffer) {
    if (buffer.capacity() < SIZE) {
      throw new IllegalArgumentException(
          "ctl_info needs " + SIZE + " bytes, buffer has " + buffer.capacity());
    }
    this.buffer = buffer.order(ByteOrder.nativeOrder());
    return this;
  }

  /** Sets {@code ctl_name}, NUL-padded. */
  public CtlInfo name(String name) {
    final byte[] b = name.getBytes(StandardCharsets.US_ASCII);
    if (b.length >= NAME_SIZE) {
      throw new IllegalArgumentException("control name longer than " + (NAME_SIZE - 1) + " bytes");
    }
    for (int i = 0; i < NAME_SIZE; i++) {
      buffer.put(NAME_OFFSET + i, i < b.length ? b[i] : 0);
    }
    return this;
  }

  /** {@code ctl_id}, as filled in by the kernel. */
  public int id() {
    return buffer.getInt(ID_OFFSET);
  }
}
