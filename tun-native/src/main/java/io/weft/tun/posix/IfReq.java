package io.weft.tun.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over {@code struct ifreq} ({@code <net/if.h>}), the argument of the interface ioctls
 * ({@code TUNSETIFF}, {@code SIOCSIFMTU}, {@code SIOCGIFFLAGS}, {@code SIOCSIFFLAGS}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          ifr_name[16], NUL-terminated (IFNAMSIZ)              |  0
 * |                                                               |
 * |                                                               |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  union: ifr_flags (short) | ifr_mtu (int) | sockaddr | ...    | 16
 * |  16 bytes on Darwin (struct size 32), 24 on Linux (size 40)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Integers are in the host's byte order.
 */
public final class IfReq {
  /** {@code IFNAMSIZ}: name bytes including the terminating NUL. */
  public static final int NAME_SIZE = 16;

  public static final int NAME_OFFSET = 0;
  public static final int FLAGS_OFFSET = 16;
  public static final int MTU_OFFSET = 16;

  /** {@code sizeof(struct ifreq)} on Linux (64-bit). */
  public static final int LINUX_SIZE = 40;

  /** {@code sizeof(struct ifreq)} on Darwin. */
  public static final int DARWIN_SIZE = 32;

  private ByteBuffer buffer;

  /** Wraps {@code buffer} from index 0 (it must hold a whole struct); sets host byte order. */
  public IfReq wrap(ByteBuffer buffer, int structSize) {
    if (buffer.capacity() < structSize || structSize < FLAGS_OFFSET + 4) {
      throw new IllegalArgumentException(
          "ifreq needs " + structSize + " bytes, buffer has " + buffer.capacity());
    }
    this.buffer = buffer.order(ByteOrder.nativeOrder());
    return this;
  }

  /** Sets the name, NUL-padded to {@link #NAME_SIZE}. */
  public IfReq name(String name) {
    final byte[] b = name.getBytes(StandardCharsets.US_ASCII);
    if (b.length >= NAME_SIZE) {
      throw new IllegalArgumentException(
          "interface name '" + name + "' is longer than " + (NAME_SIZE - 1) + " bytes");
    }
    for (int i = 0; i < NAME_SIZE; i++) {
      buffer.put(NAME_OFFSET + i, i < b.length ? b[i] : 0);
    }
    return this;
  }

  /** The name, up to the first NUL. */
  public String name() {
    int len = 0;
    while (len < NAME_SIZE && buffer.get(NAME_OFFSET + len) != 0) {
      len++;
    }
    final byte[] b = new byte[len];
    buffer.get(NAME_OFFSET, b);
    return new String(b, StandardCharsets.US_ASCII);
  }

  /** Sets {@code ifr_flags}. */
  public IfReq flags(int flags) {
    buffer.putShort(FLAGS_OFFSET, (short) flags);
    return this;
  }

  /** {@code ifr_flags}, as an unsigned 16-bit value. */
  public int flags() {
    return buffer.getShort(FLAGS_OFFSET) & 0xffff;
  }

  /** Sets {@code ifr_mtu}. */
  public IfReq mtu(int mtu) {
    buffer.putInt(MTU_OFFSET, mtu);
    return this;
  }

  /** {@code ifr_mtu}. */
  public int mtu() {
    return buffer.getInt(MTU_OFFSET);
  }
}
